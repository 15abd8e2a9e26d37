package io.tessera.node.exec;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.Iterators;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.Expr;
import io.tessera.protocol.proto.Fragment;
import io.tessera.protocol.proto.SortKey;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** ORDER BY a prefix of the primary key, LIMIT n: a primary-key scan stops after n rows. */
class SortsTheInputAlreadyHasAreSkipped {
    // id BIGINT (the key), name VARCHAR, score BIGINT
    private static final ColumnType[] TABLE = {ColumnType.BIGINT, ColumnType.VARCHAR, ColumnType.BIGINT};
    private static final int[] KEY = {0};

    private static Expr column(int i) {
        return Expr.newBuilder().setColumn(i).build();
    }

    private static SortKey asc(int column) {
        return SortKey.newBuilder().setColumn(column).build();
    }

    /** Rows in key order; counts how many the plan pulled. */
    private static Iterator<Object[]> rows(AtomicInteger pulled) {
        List<Object[]> rows = new ArrayList<>();
        IntStream.rangeClosed(1, 1000).forEach(i -> rows.add(new Object[] {(long) i, "n" + (1000 - i), (long) (i % 7)}));
        return Iterators.transform(rows.iterator(), r -> {
            pulled.incrementAndGet();
            return r;
        });
    }

    private static List<Object[]> run(Fragment f, AtomicInteger pulled) {
        return ImmutableList.copyOf(FragmentPlan.compile(f, TABLE, KEY).execute(rows(pulled)));
    }

    @Test
    void orderByTheKeyWithALimitStreamsAndStopsEarly() {
        Fragment f = Fragment.newBuilder().addProjections(column(0)).addProjections(column(1))
                .addSort(asc(0)).setLimit(3).build();
        AtomicInteger pulled = new AtomicInteger();

        List<Object[]> out = run(f, pulled);

        assertThat(out).extracting(r -> r[0]).containsExactly(1L, 2L, 3L);
        assertThat(pulled.get()).isEqualTo(3);
    }

    @Test
    void otherSortsStillSortEverything() {
        AtomicInteger pulled = new AtomicInteger();
        Fragment desc = Fragment.newBuilder().addSort(SortKey.newBuilder().setColumn(0).setDescending(true))
                .setLimit(2).build();
        assertThat(run(desc, pulled)).extracting(r -> r[0]).containsExactly(1000L, 999L);
        assertThat(pulled.get()).isEqualTo(1000);

        pulled.set(0);
        Fragment byName = Fragment.newBuilder().addSort(asc(1)).setLimit(1).build();
        assertThat(run(byName, pulled)).extracting(r -> r[1]).containsExactly("n0");
        assertThat(pulled.get()).isEqualTo(1000);

        pulled.set(0);
        Fragment byScore = Fragment.newBuilder().addProjections(column(2)).addProjections(column(0))
                .addSort(asc(0)).addSort(asc(1)).setLimit(1).build();
        assertThat(run(byScore, pulled)).extracting(r -> r[1]).containsExactly(7L);
        assertThat(pulled.get()).isEqualTo(1000);
    }

    @Test
    void onlyPlainColumnsOfTypesWhoseEncodingOrdersLikeSqlQualify() {
        List<Expr> castToVarchar = List.of(column(0).toBuilder().setType(ColumnType.VARCHAR).build());
        assertThat(FragmentPlan.inputIsSorted(List.of(asc(0)), castToVarchar, TABLE, KEY)).isFalse();
        ColumnType[] stringKey = {ColumnType.VARCHAR, ColumnType.VARCHAR, ColumnType.BIGINT};
        assertThat(FragmentPlan.inputIsSorted(List.of(asc(0)), List.of(), stringKey, KEY)).isFalse();
        assertThat(FragmentPlan.inputIsSorted(List.of(asc(0)), List.of(), TABLE, KEY)).isTrue();
        assertThat(FragmentPlan.inputIsSorted(List.of(asc(0), asc(2)), List.of(), TABLE, KEY))
                .as("more sort keys than key columns").isFalse();
    }

    /** Rows of a table keyed by one VARCHAR, in the key encoding's (UTF-8 byte) order. */
    private static List<Object[]> run(List<String> keysInUtf8Order, Fragment f, AtomicInteger pulled) {
        ColumnType[] table = {ColumnType.VARCHAR, ColumnType.BIGINT};
        Iterator<Object[]> rows = Iterators.transform(keysInUtf8Order.iterator(), k -> {
            pulled.incrementAndGet();
            return new Object[] {k, (long) k.length()};
        });
        return ImmutableList.copyOf(FragmentPlan.compile(f, table, KEY).execute(rows));
    }

    @Test
    void orderByAStringKeyWithALimitStreamsAndStopsEarly() {
        List<String> keys = IntStream.range(0, 1000).mapToObj(i -> String.format("user%04d", i)).toList();
        Fragment f = Fragment.newBuilder().addSort(asc(0)).setLimit(3).build();
        AtomicInteger pulled = new AtomicInteger();

        assertThat(run(keys, f, pulled)).extracting(r -> r[0]).containsExactly("user0000", "user0001", "user0002");
        assertThat(pulled.get()).isEqualTo(3);
    }

    @Test
    void stringsWhoseUtf8AndUtf16OrdersDifferStillComeInSqlOrder() {
        // UTF-8 order: "a", "b\uFF21" (U+FF21), "b\uD83D\uDE00" (U+1F600), "c"; Java's order puts the
        // supplementary character (a surrogate pair, 0xD83D) before U+FF21.
        List<String> keys = List.of("a", "b\uFF21", "b\uD83D\uDE00", "c");
        Fragment f = Fragment.newBuilder().addSort(asc(0)).setLimit(3).build();
        AtomicInteger pulled = new AtomicInteger();

        assertThat(run(keys, f, pulled)).extracting(r -> r[0]).containsExactly("a", "b\uD83D\uDE00", "b\uFF21");
    }
}
