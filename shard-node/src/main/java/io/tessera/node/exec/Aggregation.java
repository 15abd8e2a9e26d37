package io.tessera.node.exec;

import io.tessera.node.ShardException;
import io.tessera.protocol.codec.Values;
import io.tessera.protocol.proto.Aggregate;
import io.tessera.protocol.proto.AggregateCall;
import io.tessera.protocol.proto.ColumnType;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fragment's {@link Aggregate} compiled against the types of the rows it reads (the projected
 * rows): hash aggregation of GROUP BY keys with COUNT(*), COUNT, SUM, MIN and MAX, as
 * {@code shard.proto} defines them. It is the partial step of a distributed aggregate; the frontend
 * combines the shards' groups.
 */
final class Aggregation {
    /** The group key of a NULL value (a one-column key cannot hold null in the hash map). */
    private static final Object NULL_KEY = new Object();

    private final int[] groupBy;
    private final Domain[] keyDomains;
    private final Call[] calls;
    private final ColumnType[] outputTypes;

    private Aggregation(int[] groupBy, Domain[] keyDomains, Call[] calls, ColumnType[] outputTypes) {
        this.groupBy = groupBy;
        this.keyDomains = keyDomains;
        this.calls = calls;
        this.outputTypes = outputTypes;
    }

    /** Compiles {@code a} over rows of {@code inputTypes}; 42000/42804/0A000 when it does not fit them. */
    static Aggregation compile(Aggregate a, ColumnType[] inputTypes) {
        int[] groupBy = new int[a.getGroupByCount()];
        Domain[] keyDomains = new Domain[groupBy.length];
        ColumnType[] out = new ColumnType[groupBy.length + a.getCallsCount()];
        for (int i = 0; i < groupBy.length; i++) {
            groupBy[i] = ordinal(a.getGroupBy(i), inputTypes, "GROUP BY column");
            out[i] = inputTypes[groupBy[i]];
            keyDomains[i] = Domain.of(out[i], out[i]);
        }
        Call[] calls = new Call[a.getCallsCount()];
        for (int i = 0; i < calls.length; i++) {
            calls[i] = Call.compile(a.getCalls(i), inputTypes);
            out[groupBy.length + i] = calls[i].type.type();
        }
        return new Aggregation(groupBy, keyDomains, calls, out);
    }

    private static int ordinal(int ordinal, ColumnType[] inputTypes, String what) {
        if (ordinal < 0 || ordinal >= inputTypes.length) {
            throw ShardException.badRequest("42000", what + " " + ordinal + " out of range (" + inputTypes.length
                    + " input columns)");
        }
        return ordinal;
    }

    /** The group-by columns, then one column per call. */
    ColumnType[] outputTypes() {
        return outputTypes.clone();
    }

    /** The groups of {@code rows}: one output row per group (exactly one without GROUP BY). */
    List<Object[]> aggregate(Iterator<Object[]> rows) {
        if (groupBy.length == 0) {
            Accumulator[] accs = newAccumulators();
            while (rows.hasNext()) {
                accumulate(accs, rows.next());
            }
            List<Object[]> one = new ArrayList<>(1);
            one.add(output(null, accs));
            return one;
        }
        Map<Object, Group> groups = new LinkedHashMap<>();
        while (rows.hasNext()) {
            Object[] row = rows.next();
            Object key = key(row);
            Group g = groups.get(key);
            if (g == null) {
                g = new Group(row, newAccumulators());
                groups.put(key, g);
            }
            accumulate(g.accumulators, row);
        }
        List<Object[]> out = new ArrayList<>(groups.size());
        for (Group g : groups.values()) {
            out.add(output(g.first, g.accumulators));
        }
        return out;
    }

    /** Equal (by SQL comparison, NULLs equal to each other) for rows of one group. */
    private Object key(Object[] row) {
        if (groupBy.length == 1) {
            Object v = row[groupBy[0]];
            return v == null ? NULL_KEY : keyDomains[0].canonical(v);
        }
        Object[] key = new Object[groupBy.length];
        for (int i = 0; i < key.length; i++) {
            Object v = row[groupBy[i]];
            key[i] = v == null ? null : keyDomains[i].canonical(v);
        }
        return Arrays.asList(key);
    }

    private Accumulator[] newAccumulators() {
        Accumulator[] accs = new Accumulator[calls.length];
        for (int i = 0; i < accs.length; i++) {
            accs[i] = calls[i].newAccumulator();
        }
        return accs;
    }

    private void accumulate(Accumulator[] accs, Object[] row) {
        for (int i = 0; i < accs.length; i++) {
            Call c = calls[i];
            accs[i].add(c.argument < 0 ? Boolean.TRUE : row[c.argument]);
        }
    }

    private Object[] output(Object[] first, Accumulator[] accs) {
        Object[] out = new Object[groupBy.length + accs.length];
        for (int i = 0; i < groupBy.length; i++) {
            out[i] = first[groupBy[i]]; // the group's first key values (canonical forms may differ in type)
        }
        for (int i = 0; i < accs.length; i++) {
            Object v = accs[i].result();
            out[groupBy.length + i] = v == null ? null : Values.normalize(calls[i].type.type(), calls[i].fit.apply(v));
        }
        return out;
    }

    private static final class Group {
        final Object[] first;
        final Accumulator[] accumulators;

        Group(Object[] first, Accumulator[] accumulators) {
            this.first = first;
            this.accumulators = accumulators;
        }
    }

    /** One compiled aggregate call: its kind, argument ordinal (-1 for COUNT(*)) and result type. */
    private static final class Call {
        final AggregateCall.Kind kind;
        final int argument;
        final ColumnType argumentType;
        final SqlType type;
        /** Converts the accumulated value (in its accumulation type) to {@link #type}. */
        final Casts.Conversion fit;

        private Call(AggregateCall.Kind kind, int argument, ColumnType argumentType, SqlType type,
                     Casts.Conversion fit) {
            this.kind = kind;
            this.argument = argument;
            this.argumentType = argumentType;
            this.type = type;
            this.fit = fit;
        }

        static Call compile(AggregateCall c, ColumnType[] inputTypes) {
            AggregateCall.Kind kind = c.getKind();
            if (kind == AggregateCall.Kind.COUNT_STAR) {
                SqlType type = resultType(c, ColumnType.BIGINT);
                return new Call(kind, -1, null, type, Casts.conversion(ColumnType.BIGINT, type));
            }
            int argument = ordinal(c.getArgument(), inputTypes, kind + " argument");
            ColumnType arg = inputTypes[argument];
            switch (kind) {
                case COUNT: {
                    SqlType type = resultType(c, ColumnType.BIGINT);
                    return new Call(kind, argument, arg, type, Casts.conversion(ColumnType.BIGINT, type));
                }
                case SUM: {
                    if (!SqlType.isNumeric(arg)) {
                        throw ShardException.badRequest("42804", "SUM needs a numeric argument, not " + arg);
                    }
                    ColumnType accumulated = sumType(arg);
                    SqlType type = resultType(c, accumulated);
                    return new Call(kind, argument, arg, type, Casts.conversion(accumulated, type));
                }
                case MIN:
                case MAX: {
                    if (!SqlType.isNumeric(arg) && !SqlType.isCharacter(arg) && !SqlType.isDatetime(arg)) {
                        throw ShardException.unsupported(kind + " of " + arg + " is not supported on shard nodes");
                    }
                    SqlType type = resultType(c, arg);
                    return new Call(kind, argument, arg, type, Casts.conversion(arg, type));
                }
                default:
                    throw ShardException.unsupported("aggregate " + kind + " is not supported on shard nodes");
            }
        }

        /** The type SUM adds in: BIGINT for exact integers, DOUBLE for approximate numbers, DECIMAL. */
        private static ColumnType sumType(ColumnType arg) {
            if (SqlType.isExactInteger(arg)) {
                return ColumnType.BIGINT;
            }
            return SqlType.isApproximate(arg) ? ColumnType.DOUBLE : ColumnType.DECIMAL;
        }

        private static SqlType resultType(AggregateCall c, ColumnType otherwise) {
            if (c.getType() == ColumnType.COLUMN_TYPE_UNSPECIFIED) {
                return SqlType.of(otherwise);
            }
            return new SqlType(c.getType(), c.getPrecision(), c.getScale());
        }

        Accumulator newAccumulator() {
            switch (kind) {
                case COUNT_STAR:
                case COUNT:
                    return new Count();
                case SUM:
                    if (SqlType.isExactInteger(argumentType)) {
                        return new LongSum();
                    }
                    return SqlType.isApproximate(argumentType) ? new DoubleSum() : new DecimalSum();
                case MIN:
                    return new Extreme(Domain.of(argumentType, argumentType), -1);
                default:
                    return new Extreme(Domain.of(argumentType, argumentType), 1);
            }
        }
    }

    /** The running state of one call for one group; {@code add} gets the argument (may be null). */
    private interface Accumulator {
        void add(Object v);

        /** The result in the accumulation type; null = SQL NULL. */
        Object result();
    }

    private static final class Count implements Accumulator {
        private long n;

        @Override
        public void add(Object v) {
            if (v != null) {
                n++;
            }
        }

        @Override
        public Object result() {
            return n;
        }
    }

    private static final class LongSum implements Accumulator {
        private long sum;
        private boolean any;

        @Override
        public void add(Object v) {
            if (v == null) {
                return;
            }
            long x = ((Number) v).longValue();
            try {
                sum = Math.addExact(sum, x);
            } catch (ArithmeticException e) {
                throw Casts.outOfRange(ColumnType.BIGINT, "SUM: " + sum + " + " + x);
            }
            any = true;
        }

        @Override
        public Object result() {
            return any ? sum : null;
        }
    }

    private static final class DoubleSum implements Accumulator {
        private double sum;
        private boolean any;

        @Override
        public void add(Object v) {
            if (v != null) {
                sum += ((Number) v).doubleValue();
                any = true;
            }
        }

        @Override
        public Object result() {
            return any ? sum : null;
        }
    }

    private static final class DecimalSum implements Accumulator {
        private BigDecimal sum;

        @Override
        public void add(Object v) {
            if (v != null) {
                BigDecimal x = Domain.toBigDecimal(v);
                sum = sum == null ? x : sum.add(x);
            }
        }

        @Override
        public Object result() {
            return sum;
        }
    }

    /** MIN ({@code sign} -1) or MAX (+1). */
    private static final class Extreme implements Accumulator {
        private final Domain domain;
        private final int sign;
        private Object best;

        Extreme(Domain domain, int sign) {
            this.domain = domain;
            this.sign = sign;
        }

        @Override
        public void add(Object v) {
            if (v != null && (best == null || domain.compare(v, best) * sign > 0)) {
                best = v;
            }
        }

        @Override
        public Object result() {
            return best;
        }
    }
}
