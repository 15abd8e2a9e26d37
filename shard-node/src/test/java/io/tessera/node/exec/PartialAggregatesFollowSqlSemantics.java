package io.tessera.node.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.collect.ImmutableList;
import io.tessera.node.ShardException;
import io.tessera.protocol.codec.RowCodec;
import io.tessera.protocol.proto.Aggregate;
import io.tessera.protocol.proto.AggregateCall;
import io.tessera.protocol.proto.Call;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.Expr;
import io.tessera.protocol.proto.Fragment;
import io.tessera.protocol.proto.Op;
import io.tessera.protocol.proto.SortKey;
import io.tessera.protocol.proto.Value;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The shard's partial aggregate: groups, NULLs, empty input, result types, overflow. */
class PartialAggregatesFollowSqlSemantics {
    // id BIGINT, grp VARCHAR, n INTEGER, amount DECIMAL, d DOUBLE, k SMALLINT
    private static final ColumnType[] TABLE = {ColumnType.BIGINT, ColumnType.VARCHAR, ColumnType.INTEGER,
        ColumnType.DECIMAL, ColumnType.DOUBLE, ColumnType.SMALLINT};

    private static final List<Object[]> ROWS = List.of(
            row(1L, "a", 1, new BigDecimal("1.50"), 0.5, (short) 1),
            row(2L, "a", null, new BigDecimal("2.25"), null, (short) 1),
            row(3L, "b", 3, null, 2.0, (short) 2),
            row(4L, null, 4, new BigDecimal("10.00"), 1.0, (short) 2),
            row(5L, null, null, null, null, null),
            row(6L, "b", 6, new BigDecimal("-1.75"), -3.0, (short) 1));

    private static Object[] row(Object... values) {
        return values;
    }

    private static Expr column(int i) {
        return Expr.newBuilder().setColumn(i).build();
    }

    private static AggregateCall call(AggregateCall.Kind kind, int argument) {
        return AggregateCall.newBuilder().setKind(kind).setArgument(argument).build();
    }

    private static AggregateCall call(AggregateCall.Kind kind, int argument, ColumnType type) {
        return AggregateCall.newBuilder().setKind(kind).setArgument(argument).setType(type).build();
    }

    private static List<List<Object>> run(Fragment f) {
        FragmentPlan plan = FragmentPlan.compile(f, TABLE, new int[] {0});
        RowCodec codec = plan.outputCodec();
        // Through the codec, as the rows travel: the output types must describe the values.
        return ImmutableList.copyOf(plan.execute(ROWS.iterator())).stream()
                .map(r -> Arrays.asList(codec.decode(codec.encode(r))))
                .collect(Collectors.toList());
    }

    private static List<List<Object>> sortedByFirst(List<List<Object>> rows) {
        return rows.stream()
                .sorted(Comparator.comparing(r -> (String) r.get(0), Comparator.nullsFirst(Comparator.naturalOrder())))
                .collect(Collectors.toList());
    }

    @Test
    void groupsByOneColumnWithNullsFormingOneGroup() {
        Fragment f = Fragment.newBuilder().setAggregate(Aggregate.newBuilder().addGroupBy(1)
                .addCalls(call(AggregateCall.Kind.COUNT_STAR, 0))
                .addCalls(call(AggregateCall.Kind.COUNT, 2))
                .addCalls(call(AggregateCall.Kind.SUM, 2))
                .addCalls(call(AggregateCall.Kind.MIN, 3))
                .addCalls(call(AggregateCall.Kind.MAX, 4))).build();

        List<List<Object>> out = sortedByFirst(run(f));

        assertThat(out).containsExactly(
                Arrays.asList(null, 2L, 1L, 4L, new BigDecimal("10.00"), 1.0),
                Arrays.asList("a", 2L, 1L, 1L, new BigDecimal("1.50"), 0.5),
                Arrays.asList("b", 2L, 2L, 9L, new BigDecimal("-1.75"), 2.0));
        assertThat(FragmentPlan.compile(f, TABLE).outputTypes()).containsExactly(ColumnType.VARCHAR,
                ColumnType.BIGINT, ColumnType.BIGINT, ColumnType.BIGINT, ColumnType.DECIMAL, ColumnType.DOUBLE);
    }

    @Test
    void sumsOfOnlyNullsAreNullAndCountsZero() {
        // Group 'a': n is 1 and NULL; d is 0.5 and NULL. Filter to id = 2: only NULL arguments.
        Fragment f = Fragment.newBuilder()
                .setFilter(Expr.newBuilder().setCall(Call.newBuilder().setOp(Op.EQ).addOperands(column(0))
                        .addOperands(Expr.newBuilder().setLiteral(Value.newBuilder().setLongValue(2)))))
                .setAggregate(Aggregate.newBuilder().addGroupBy(1)
                        .addCalls(call(AggregateCall.Kind.COUNT, 2))
                        .addCalls(call(AggregateCall.Kind.SUM, 2))
                        .addCalls(call(AggregateCall.Kind.SUM, 4))
                        .addCalls(call(AggregateCall.Kind.MAX, 2))).build();

        assertThat(run(f)).containsExactly(Arrays.asList("a", 0L, null, null, null));
    }

    @Test
    void aGlobalAggregateReturnsOneRowEvenForNoRows() {
        Aggregate.Builder a = Aggregate.newBuilder()
                .addCalls(call(AggregateCall.Kind.COUNT_STAR, 0))
                .addCalls(call(AggregateCall.Kind.SUM, 3))
                .addCalls(call(AggregateCall.Kind.MIN, 1));
        Expr never = Expr.newBuilder().setLiteral(Value.newBuilder().setBoolValue(false))
                .setType(ColumnType.BOOLEAN).build();

        assertThat(run(Fragment.newBuilder().setAggregate(a).build()))
                .containsExactly(Arrays.asList(6L, new BigDecimal("12.00"), "a"));
        assertThat(run(Fragment.newBuilder().setFilter(never).setAggregate(a).build()))
                .containsExactly(Arrays.asList(0L, null, null));
        assertThat(run(Fragment.newBuilder().setFilter(never)
                .setAggregate(Aggregate.newBuilder().addGroupBy(1).addCalls(call(AggregateCall.Kind.COUNT_STAR, 0)))
                .build())).isEmpty();
    }

    @Test
    void groupsByTwoProjectedColumns() {
        // projections: k, grp, n + 1 ; group by (k, grp), SUM(n + 1); sorted by k, grp on the shard.
        Expr plusOne = Expr.newBuilder().setCall(Call.newBuilder().setOp(Op.PLUS).addOperands(column(2))
                .addOperands(Expr.newBuilder().setLiteral(Value.newBuilder().setLongValue(1)).setType(ColumnType.INTEGER)))
                .setType(ColumnType.INTEGER).build();
        Fragment f = Fragment.newBuilder().addProjections(column(5)).addProjections(column(1)).addProjections(plusOne)
                .setAggregate(Aggregate.newBuilder().addGroupBy(0).addGroupBy(1)
                        .addCalls(call(AggregateCall.Kind.SUM, 2)))
                .addSort(SortKey.newBuilder().setColumn(0).setNullsFirst(true))
                .addSort(SortKey.newBuilder().setColumn(1).setNullsFirst(true))
                .build();

        assertThat(run(f)).containsExactly(
                Arrays.asList(null, null, null),
                Arrays.asList((short) 1, "a", 2L),
                Arrays.asList((short) 1, "b", 7L),
                Arrays.asList((short) 2, null, 5L),
                Arrays.asList((short) 2, "b", 4L));
    }

    @Test
    void sumsTakeTheRequestedResultType() {
        Fragment f = Fragment.newBuilder().setAggregate(Aggregate.newBuilder()
                .addCalls(call(AggregateCall.Kind.SUM, 5, ColumnType.BIGINT))
                .addCalls(AggregateCall.newBuilder().setKind(AggregateCall.Kind.SUM).setArgument(3)
                        .setType(ColumnType.DECIMAL).setPrecision(19).setScale(2))
                .addCalls(call(AggregateCall.Kind.SUM, 4, ColumnType.DOUBLE))).build();

        assertThat(run(f)).containsExactly(Arrays.asList(7L, new BigDecimal("12.00"), 0.5));
    }

    @Test
    void anOverflowingSumFailsInsteadOfWrapping() {
        ColumnType[] types = {ColumnType.BIGINT};
        FragmentPlan plan = FragmentPlan.compile(Fragment.newBuilder().setAggregate(Aggregate.newBuilder()
                .addCalls(call(AggregateCall.Kind.SUM, 0))).build(), types);
        List<Object[]> rows = List.of(new Object[] {Long.MAX_VALUE}, new Object[] {1L});

        assertThatThrownBy(() -> ImmutableList.copyOf(plan.execute(rows.iterator())))
                .isInstanceOf(ShardException.class).hasMessageContaining("out of range");
    }

    @Test
    void badRequestsFailWhenCompiled() {
        assertThatThrownBy(() -> FragmentPlan.compile(Fragment.newBuilder().setAggregate(Aggregate.newBuilder()
                .addCalls(call(AggregateCall.Kind.SUM, 1))).build(), TABLE))
                .isInstanceOf(ShardException.class).hasMessageContaining("numeric");
        assertThatThrownBy(() -> FragmentPlan.compile(Fragment.newBuilder().setAggregate(Aggregate.newBuilder()
                .addGroupBy(9)).build(), TABLE))
                .isInstanceOf(ShardException.class).hasMessageContaining("out of range");
    }
}
