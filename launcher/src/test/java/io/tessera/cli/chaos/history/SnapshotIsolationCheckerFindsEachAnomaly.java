package io.tessera.cli.chaos.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tessera.cli.chaos.history.Anomaly.Kind;
import io.tessera.cli.chaos.history.Op.Append;
import io.tessera.cli.chaos.history.Op.Read;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Synthetic histories, each known to be valid or to show one anomaly: a checker that cannot fail
 * proves nothing, so every anomaly it claims to find is fed to it here.
 */
class SnapshotIsolationCheckerFindsEachAnomaly {
    private static final long X = 1;
    private static final long Y = 2;

    private static Read r(long key, Long... values) {
        return new Read(key, List.of(values));
    }

    private static Append a(long key, long element) {
        return new Append(key, element);
    }

    private static List<Kind> kinds(List<Txn> history, Map<Long, List<Long>> finalState) {
        return SnapshotIsolationChecker.check(history, finalState).stream().map(Anomaly::kind).toList();
    }

    @Test
    void aSerialHistoryHasNoAnomaly() {
        List<Txn> h = List.of(
                Txn.committed(1, r(X), a(X, 10), r(X, 10L)),
                Txn.committed(2, r(X, 10L), a(X, 11), r(Y), a(Y, 20)),
                Txn.committed(3, r(X, 10L, 11L), r(Y, 20L), r(X, 10L, 11L)));
        assertThat(SnapshotIsolationChecker.check(h, Map.of(X, List.of(10L, 11L), Y, List.of(20L)))).isEmpty();
    }

    @Test
    void writeSkewIsAllowedUnderSnapshotIsolation() {
        List<Txn> h = List.of(
                Txn.committed(1, r(X), r(Y), a(X, 10)),
                Txn.committed(2, r(X), r(Y), a(Y, 20)));
        assertThat(SnapshotIsolationChecker.check(h, Map.of(X, List.of(10L), Y, List.of(20L)))).isEmpty();
    }

    @Test
    void lostUpdate() {
        List<Txn> h = List.of(
                Txn.committed(1, r(X), a(X, 10)),
                Txn.committed(2, r(X), a(X, 20)));
        assertThat(kinds(h, Map.of(X, List.of(20L)))).contains(Kind.LOST_UPDATE, Kind.LOST_WRITE);
        // Without a final read the two appends on top of one version still give it away.
        assertThat(kinds(h, null)).containsExactly(Kind.LOST_UPDATE);
    }

    @Test
    void abortedRead() {
        List<Txn> h = List.of(
                Txn.aborted(1, r(X), a(X, 10)),
                Txn.committed(2, r(X, 10L)));
        assertThat(kinds(h, null)).containsExactly(Kind.ABORTED_READ);
        // An aborted append in the final state is the same anomaly.
        assertThat(kinds(List.of(h.get(0)), Map.of(X, List.of(10L)))).containsExactly(Kind.ABORTED_READ);
    }

    @Test
    void nonRepeatableReadInsideOneTransaction() {
        List<Txn> h = List.of(
                Txn.committed(1, r(X), r(X, 20L)),
                Txn.committed(2, r(X), a(X, 20)));
        assertThat(kinds(h, Map.of(X, List.of(20L)))).contains(Kind.NON_REPEATABLE_READ);
    }

    @Test
    void ownWriteInvisible() {
        List<Txn> h = List.of(Txn.committed(1, r(X), a(X, 10), r(X)));
        assertThat(kinds(h, Map.of(X, List.of(10L)))).containsExactly(Kind.OWN_WRITE_INVISIBLE);
    }

    @Test
    void anAbortedTransactionMustStillSeeItsOwnWrites() {
        // Its reads were answered before its commit failed: a user acted on them (the server now
        // fails such a read with 40001 once others rolled the transaction back).
        List<Txn> h = List.of(Txn.aborted(1, r(X), a(X, 10), r(X)));
        assertThat(kinds(h, Map.of(X, List.of()))).containsExactly(Kind.OWN_WRITE_INVISIBLE);
    }

    @Test
    void readSkewIsACycleWithOneAntiDependency() {
        // T1 reads X before T2 and Y after T2: not one snapshot.
        List<Txn> h = List.of(
                Txn.committed(1, r(X), r(Y, 20L)),
                Txn.committed(2, r(X), a(X, 10), r(Y), a(Y, 20)));
        assertThat(kinds(h, Map.of(X, List.of(10L), Y, List.of(20L))))
                .containsExactly(Kind.CYCLE_WITH_ONE_ANTI_DEPENDENCY);
    }

    @Test
    void circularInformationFlowIsACycleWithoutAntiDependency() {
        List<Txn> h = List.of(
                Txn.committed(1, a(X, 10), r(Y, 20L)),
                Txn.committed(2, a(Y, 20), r(X, 10L)));
        assertThat(kinds(h, Map.of(X, List.of(10L), Y, List.of(20L))))
                .containsExactly(Kind.CYCLE_WITHOUT_ANTI_DEPENDENCY);
    }

    @Test
    void nonadjacentAntiDependencies() {
        long a = 1;
        long b = 2;
        long c = 3;
        long d = 4;
        List<Txn> h = List.of(
                Txn.committed(1, r(a), r(d, 40L)),
                Txn.committed(2, a(a, 10), a(b, 20)),
                Txn.committed(3, r(b, 20L), r(c)),
                Txn.committed(4, a(c, 30), a(d, 40)));
        Map<Long, List<Long>> fin = Map.of(a, List.of(10L), b, List.of(20L), c, List.of(30L), d, List.of(40L));
        assertThat(kinds(h, fin)).containsExactly(Kind.CYCLE_WITH_NONADJACENT_ANTI_DEPENDENCIES);
    }

    @Test
    void garbageAndDuplicateElements() {
        List<Txn> h = List.of(
                Txn.committed(1, a(X, 10)),
                Txn.committed(2, r(X, 10L, 10L)),
                Txn.committed(3, r(Y, 10L)),
                Txn.committed(4, r(X, 99L)));
        assertThat(kinds(h, null)).contains(Kind.DUPLICATE_ELEMENT, Kind.GARBAGE_READ);
        assertThat(SnapshotIsolationChecker.check(h, null).stream().filter(x -> x.kind() == Kind.GARBAGE_READ))
                .hasSize(2); // 10 read from the wrong key, 99 never appended
    }

    @Test
    void intermediateRead() {
        List<Txn> h = List.of(
                Txn.committed(1, a(X, 10), a(X, 11)),
                Txn.committed(2, r(X, 10L)));
        assertThat(kinds(h, null)).contains(Kind.INTERMEDIATE_READ);
    }

    @Test
    void forkedHistoryOfAKey() {
        List<Txn> h = List.of(
                Txn.committed(1, a(X, 10)),
                Txn.committed(2, a(X, 20)),
                Txn.committed(3, r(X, 10L)),
                Txn.committed(4, r(X, 20L)));
        assertThat(kinds(h, null)).contains(Kind.INCOMPATIBLE_ORDER);
    }

    @Test
    void committedAppendMissingFromTheFinalState() {
        List<Txn> h = List.of(Txn.committed(1, r(X), a(X, 10)), Txn.committed(2, r(Y), a(Y, 20)));
        assertThat(kinds(h, Map.of(Y, List.of(20L)))).containsExactly(Kind.LOST_WRITE);
    }

    @Test
    void indeterminateTransactionsMayOrMayNotHaveCommitted() {
        Txn unknown = Txn.indeterminate(1, r(X), a(X, 10), r(Y), a(Y, 20));
        // Never seen: as if it never ran.
        assertThat(kinds(List.of(unknown), Map.of())).isEmpty();
        // Seen entirely: it committed.
        assertThat(kinds(List.of(unknown, Txn.committed(2, r(X, 10L))), Map.of(X, List.of(10L), Y, List.of(20L))))
                .isEmpty();
        // Seen in part: not atomic.
        assertThat(kinds(List.of(unknown, Txn.committed(2, r(X, 10L))), Map.of(X, List.of(10L))))
                .containsExactly(Kind.LOST_WRITE);
        // Seen, and it overwrote a committed append it did not read: a lost update.
        Txn other = Txn.committed(3, r(X), a(X, 30));
        assertThat(kinds(List.of(unknown, other), Map.of(X, List.of(10L), Y, List.of(20L))))
                .contains(Kind.LOST_UPDATE);
    }

    @Test
    void aTransactionThatBeganAfterACommitMustSeeIt() {
        Txn writer = Txn.committed(1, r(X), a(X, 10)).during(1_000, 2_000);
        Txn later = Txn.committed(2, r(X)).during(3_000, 4_000);
        Txn concurrent = Txn.committed(3, r(X)).during(1_500, 4_000);
        Map<Long, List<Long>> fin = Map.of(X, List.of(10L));
        assertThat(kinds(List.of(writer, later), fin)).containsExactly(Kind.STALE_READ);
        assertThat(kinds(List.of(writer, concurrent), fin)).isEmpty();
        assertThat(kinds(List.of(writer, Txn.committed(4, r(X, 10L)).during(3_000, 4_000)), fin)).isEmpty();
    }

    @Test
    void elementsAppendedTwiceAreAWorkloadBug() {
        assertThatThrownBy(() -> SnapshotIsolationChecker.check(
                List.of(Txn.committed(1, a(X, 10)), Txn.committed(2, a(Y, 10))), null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aLongSerialHistoryIsCheckedQuicklyAndCleanly() {
        List<Txn> h = new ArrayList<>();
        Map<Long, List<Long>> state = new HashMap<>();
        long element = 0;
        for (int i = 0; i < 5_000; i++) {
            long key = i % 37;
            List<Long> before = List.copyOf(state.getOrDefault(key, List.of()));
            long e = element++;
            List<Long> after = new ArrayList<>(before);
            after.add(e);
            state.put(key, after);
            h.add(Txn.committed(i, new Read(key, before), a(key, e), new Read(key, after)));
        }
        assertThat(SnapshotIsolationChecker.check(h, state)).isEmpty();
    }
}
