package io.tessera.node.exec;

import com.google.common.collect.AbstractIterator;
import io.tessera.protocol.codec.RowCodec;
import io.tessera.protocol.codec.Values;
import io.tessera.protocol.proto.Aggregate;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.Expr;
import io.tessera.protocol.proto.Fragment;
import io.tessera.protocol.proto.SortKey;
import io.tessera.node.ShardException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A {@link Fragment} compiled against a table: filter (rows pass only when it is TRUE), projections
 * (empty = every column), aggregate ({@link Aggregation}), sort on the projected (aggregated)
 * output, limit. Without an aggregate and a sort, rows stream through one at a time; with sort and
 * limit a bounded heap keeps the best {@code limit} rows; a sort without limit has to hold the whole
 * (filtered, projected) result. An aggregate holds one row per group.
 */
public final class FragmentPlan {
    /** Above this a sort+limit sorts everything instead of keeping a heap of {@code limit} rows. */
    private static final long MAX_HEAP_LIMIT = 1 << 20;

    private final Evaluator filter;
    private final Evaluator[] projections; // null = identity
    private final ColumnType[] projectedTypes;
    private final Aggregation aggregation; // null = none
    private final ColumnType[] outputTypes;
    private final RowCodec outputCodec;
    private final Comparator<Object[]> order; // null = input order
    private final long limit;
    // Non-null: the input already comes in `order` as long as these output (VARCHAR) columns hold no
    // character at or above U+E000 (see keyOrderedStrings), so rows stream until one does.
    private final int[] keyOrderUnlessHighChars;

    private FragmentPlan(Evaluator filter, Evaluator[] projections, ColumnType[] projectedTypes,
                         Aggregation aggregation, Comparator<Object[]> order, long limit) {
        this(filter, projections, projectedTypes, aggregation, order, limit, null);
    }

    private FragmentPlan(Evaluator filter, Evaluator[] projections, ColumnType[] projectedTypes,
                         Aggregation aggregation, Comparator<Object[]> order, long limit,
                         int[] keyOrderUnlessHighChars) {
        this.filter = filter;
        this.projections = projections;
        this.projectedTypes = projectedTypes;
        this.aggregation = aggregation;
        this.outputTypes = aggregation == null ? projectedTypes : aggregation.outputTypes();
        this.outputCodec = new RowCodec(outputTypes);
        this.order = order;
        this.limit = limit;
        this.keyOrderUnlessHighChars = keyOrderUnlessHighChars;
    }

    private FragmentPlan streamingKeyOrder(int[] stringColumns) {
        return new FragmentPlan(filter, projections, projectedTypes, aggregation, order, limit, stringColumns);
    }

    public static FragmentPlan compile(Fragment f, ColumnType[] tableTypes) {
        return compile(f, tableTypes, null);
    }

    /**
     * @param keyOrder table columns (all NOT NULL) the input rows come sorted by, ascending in their
     *     key encoding (the primary key of a primary-key scan), or null; a sort the input already
     *     satisfies is dropped, so rows stream and a limit ends the scan early
     */
    public static FragmentPlan compile(Fragment f, ColumnType[] tableTypes, int[] keyOrder) {
        List<SortKey> sort = f.getSortList();
        int[] strings = keyOrder == null || f.hasAggregate() ? null
                : keyOrderedStrings(sort, f.getProjectionsList(), tableTypes, keyOrder);
        if (strings != null && strings.length == 0) {
            sort = List.of();
        }
        FragmentPlan plan = compile(f.hasFilter() ? f.getFilter() : null, f.getProjectionsList(),
                f.hasAggregate() ? f.getAggregate() : null, sort, f.getLimit(), tableTypes);
        return strings != null && strings.length > 0 ? plan.streamingKeyOrder(strings) : plan;
    }

    /**
     * Whether sorting by {@code sort} keeps input already ordered by {@code keyOrder} as it is: each
     * sort key is ascending on a plain column reference to the next key column, whose type the key
     * encoding orders as SQL does (integers, dates, times, timestamps; not floating point or
     * decimals). Ties on a prefix of the key may come in any order, which SQL allows.
     */
    static boolean inputIsSorted(List<SortKey> sort, List<Expr> projections, ColumnType[] tableTypes, int[] keyOrder) {
        int[] strings = keyOrderedStrings(sort, projections, tableTypes, keyOrder);
        return strings != null && strings.length == 0;
    }

    /**
     * As {@link #inputIsSorted}, but VARCHAR key columns count too: null when the input is not in
     * the sort's order, else the output columns of the sort keys that are VARCHAR (empty = exactly
     * sorted). Strings are encoded in UTF-8, whose byte order is code point order, while SQL here
     * compares them as Java does (UTF-16 code units); the two differ only where a character at or
     * above U+E000 meets a supplementary one, which {@link #streamingKeyOrder} watches for.
     */
    static int[] keyOrderedStrings(List<SortKey> sort, List<Expr> projections, ColumnType[] tableTypes, int[] keyOrder) {
        if (sort.isEmpty() || sort.size() > keyOrder.length) {
            return null;
        }
        int[] strings = new int[sort.size()];
        int nStrings = 0;
        for (int i = 0; i < sort.size(); i++) {
            SortKey k = sort.get(i);
            if (k.getDescending()) {
                return null;
            }
            int column;
            if (projections.isEmpty()) {
                column = k.getColumn();
            } else {
                if (k.getColumn() < 0 || k.getColumn() >= projections.size()) {
                    return null;
                }
                Expr e = projections.get(k.getColumn());
                if (!e.hasColumn() || (e.getType() != ColumnType.COLUMN_TYPE_UNSPECIFIED
                        && e.getType() != tableTypes[e.getColumn()])) {
                    return null;
                }
                column = e.getColumn();
            }
            if (column != keyOrder[i]) {
                return null;
            }
            if (tableTypes[column] == ColumnType.VARCHAR) {
                strings[nStrings++] = k.getColumn();
            } else if (!orderedByEncoding(tableTypes[column])) {
                return null;
            }
        }
        return java.util.Arrays.copyOf(strings, nStrings);
    }

    private static boolean orderedByEncoding(ColumnType t) {
        switch (t) {
            case TINYINT:
            case SMALLINT:
            case INTEGER:
            case BIGINT:
            case DATE:
            case TIME:
            case TIMESTAMP:
                return true;
            default:
                return false;
        }
    }

    public static FragmentPlan compile(Expr filterExpr, List<Expr> projectionExprs, List<SortKey> sort, long limit,
                                       ColumnType[] tableTypes) {
        return compile(filterExpr, projectionExprs, null, sort, limit, tableTypes);
    }

    /** @param aggregate null = no aggregation */
    public static FragmentPlan compile(Expr filterExpr, List<Expr> projectionExprs, Aggregate aggregate,
                                       List<SortKey> sort, long limit, ColumnType[] tableTypes) {
        ExprCompiler compiler = new ExprCompiler(tableTypes);
        Evaluator filter = filterExpr == null ? null : compiler.compilePredicate(filterExpr);
        Evaluator[] projections = null;
        ColumnType[] out = tableTypes.clone();
        if (!projectionExprs.isEmpty()) {
            projections = new Evaluator[projectionExprs.size()];
            out = new ColumnType[projections.length];
            for (int i = 0; i < projections.length; i++) {
                Expr pe = projectionExprs.get(i);
                Evaluator ev = compiler.compile(pe);
                ColumnType t = pe.getType() != ColumnType.COLUMN_TYPE_UNSPECIFIED ? pe.getType() : ev.type();
                if (t == ColumnType.COLUMN_TYPE_UNSPECIFIED) {
                    t = ColumnType.INTEGER; // an untyped NULL literal: any type encodes NULL
                }
                if (t != ev.type() && !ev.sqlType().isNullType()) {
                    ev = ExprCompiler.cast(ev, new SqlType(t, pe.getPrecision(), pe.getScale()));
                }
                projections[i] = ev;
                out[i] = t;
            }
        }
        Aggregation aggregation = aggregate == null ? null : Aggregation.compile(aggregate, out);
        ColumnType[] sorted = aggregation == null ? out : aggregation.outputTypes();
        Comparator<Object[]> order = sort.isEmpty() ? null : comparator(sort, sorted);
        return new FragmentPlan(filter, projections, out, aggregation, order, limit);
    }

    private static Comparator<Object[]> comparator(List<SortKey> keys, ColumnType[] types) {
        int n = keys.size();
        int[] cols = new int[n];
        Domain[] domains = new Domain[n];
        boolean[] desc = new boolean[n];
        boolean[] nullsFirst = new boolean[n];
        for (int i = 0; i < n; i++) {
            SortKey k = keys.get(i);
            if (k.getColumn() < 0 || k.getColumn() >= types.length) {
                throw ShardException.badRequest("42000", "sort column " + k.getColumn() + " out of range (" + types.length
                        + " output columns)");
            }
            cols[i] = k.getColumn();
            domains[i] = Domain.of(types[cols[i]], types[cols[i]]);
            desc[i] = k.getDescending();
            nullsFirst[i] = k.getNullsFirst();
        }
        return (a, b) -> {
            for (int i = 0; i < n; i++) {
                Object x = a[cols[i]];
                Object y = b[cols[i]];
                int c;
                if (x == null || y == null) {
                    if (x == y) {
                        continue;
                    }
                    c = (x == null) == nullsFirst[i] ? -1 : 1; // NULL placement ignores the direction
                } else {
                    c = domains[i].compare(x, y);
                    if (desc[i]) {
                        c = -c;
                    }
                }
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        };
    }

    public ColumnType[] outputTypes() {
        return outputTypes.clone();
    }

    public RowCodec outputCodec() {
        return outputCodec;
    }

    public boolean isIdentityProjection() {
        return projections == null && aggregation == null;
    }

    /** Whether a table row passes the filter (TRUE; FALSE and UNKNOWN drop it). */
    public boolean accepts(Object[] row) {
        return filter == null || Boolean.TRUE.equals(filter.eval(row));
    }

    /** The projected output row of a table row. */
    public Object[] project(Object[] row) {
        if (projections == null) {
            return row;
        }
        Object[] out = new Object[projections.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Values.normalize(projectedTypes[i], projections[i].eval(row));
        }
        return out;
    }

    /** The output rows for the table rows of {@code input}, lazily when there is no sort. */
    public Iterator<Object[]> execute(Iterator<Object[]> input) {
        if (aggregation != null) {
            List<Object[]> groups = aggregation.aggregate(new AbstractIterator<>() {
                @Override
                protected Object[] computeNext() {
                    while (input.hasNext()) {
                        Object[] row = input.next();
                        if (accepts(row)) {
                            return project(row);
                        }
                    }
                    return endOfData();
                }
            });
            if (order != null) {
                groups.sort(order);
            }
            return (limit > 0 && groups.size() > limit ? groups.subList(0, (int) limit) : groups).iterator();
        }
        if (order == null) {
            return new AbstractIterator<>() {
                private long emitted;

                @Override
                protected Object[] computeNext() {
                    if (limit > 0 && emitted >= limit) {
                        return endOfData();
                    }
                    while (input.hasNext()) {
                        Object[] row = input.next();
                        if (accepts(row)) {
                            emitted++;
                            return project(row);
                        }
                    }
                    return endOfData();
                }
            };
        }
        if (keyOrderUnlessHighChars != null) {
            return new KeyOrderStream(input);
        }
        if (limit > 0 && limit <= MAX_HEAP_LIMIT) {
            return topN(input, (int) limit).iterator();
        }
        List<Object[]> all = new ArrayList<>();
        while (input.hasNext()) {
            Object[] row = input.next();
            if (accepts(row)) {
                all.add(project(row));
            }
        }
        all.sort(order);
        return (limit > 0 && all.size() > limit ? all.subList(0, (int) limit) : all).iterator();
    }

    /**
     * Streams rows of a key-order scan sorted by VARCHAR key columns, stopping at the limit. While
     * every row emitted so far has no character at or above U+E000 in those columns, no later row
     * can sort before any of them (UTF-8 and UTF-16 orders only disagree where such a character meets
     * a supplementary one), so they are final. From the first row that has one, the rest is sorted.
     */
    private final class KeyOrderStream extends AbstractIterator<Object[]> {
        private final Iterator<Object[]> input;
        private long emitted;
        private Iterator<Object[]> sortedRest; // after the first row with a high character

        KeyOrderStream(Iterator<Object[]> input) {
            this.input = input;
        }

        @Override
        protected Object[] computeNext() {
            if (limit > 0 && emitted >= limit) {
                return endOfData();
            }
            if (sortedRest == null) {
                while (input.hasNext()) {
                    Object[] row = input.next();
                    if (!accepts(row)) {
                        continue;
                    }
                    Object[] out = project(row);
                    if (!hasHighChars(out)) {
                        emitted++;
                        return out;
                    }
                    sortedRest = sortRest(out);
                    break;
                }
                if (sortedRest == null) {
                    return endOfData();
                }
            }
            if (sortedRest.hasNext()) {
                emitted++;
                return sortedRest.next();
            }
            return endOfData();
        }

        private Iterator<Object[]> sortRest(Object[] first) {
            List<Object[]> rest = new ArrayList<>();
            rest.add(first);
            while (input.hasNext()) {
                Object[] row = input.next();
                if (accepts(row)) {
                    rest.add(project(row));
                }
            }
            rest.sort(order);
            return rest.iterator();
        }

        private boolean hasHighChars(Object[] out) {
            for (int c : keyOrderUnlessHighChars) {
                if (out[c] instanceof String s) {
                    for (int i = 0; i < s.length(); i++) {
                        if (s.charAt(i) >= '\uE000') {
                            return true;
                        }
                    }
                }
            }
            return false;
        }
    }

    private List<Object[]> topN(Iterator<Object[]> input, int n) {
        Comparator<Object[]> reversed = order.reversed();
        PriorityQueue<Object[]> heap = new PriorityQueue<>(Math.min(n, 1024) + 1, reversed); // head = worst kept
        while (input.hasNext()) {
            Object[] row = input.next();
            if (!accepts(row)) {
                continue;
            }
            if (heap.size() < n) {
                heap.add(project(row));
            } else {
                Object[] out = project(row);
                if (order.compare(out, heap.peek()) < 0) {
                    heap.poll();
                    heap.add(out);
                }
            }
        }
        List<Object[]> result = new ArrayList<>(heap);
        Collections.sort(result, order);
        return result;
    }
}
