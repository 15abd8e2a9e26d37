package io.tessera.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.node.TxnRequests;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.WriteResponse;
import io.tessera.protocol.time.Timestamps;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One-phase writes sent with commit_ts 0 commit at a timestamp the primary chooses inside the slots
 * of the oracle timestamps its node took (64 at a time), ask the (stand-in) coordinator's oracle for
 * new ones only when they run low, and reach the followers at the timestamp the primary chose.
 */
class OnePhaseWritesCommitInThePrimarysTimestampSlot {
    static final Set<Error.Code> FAILOVER = Set.of(Error.Code.NOT_SERVING, Error.Code.NOT_PRIMARY, Error.Code.STALE_EPOCH);
    static final long STEP = Timestamps.ORACLE_STEP;
    static final long FLOOR = Timestamps.ofMillis(1_000); // the oracle timestamp the new primary takes first
    /** The timestamps one fetch hands the node: 64 oracle timestamps and their slots. */
    static final long RANGE = LeaderCoordinator.TIMESTAMPS_PER_FETCH * STEP;

    @TempDir
    Path dir;
    ReplicaGroupFixture g;

    @AfterEach
    void tearDown() throws Exception {
        g.close();
    }

    /** A new group of three with n1 as primary, whose first oracle timestamp is {@link #FLOOR}. */
    private void startGroup() throws Exception {
        g = new ReplicaGroupFixture(dir, ReplicaGroupFixture.fastSettings());
        g.oracle.set(FLOOR);
        g.install(ReplicaGroupFixture.state(1, "n1", List.of("n1", "n2", "n3")), "n1", "n2", "n3");
    }

    /** Retries while the primary is not serving yet (it waits for its first oracle timestamp), as the frontend does. */
    private static WriteResponse retry(Supplier<WriteResponse> call) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (true) {
            WriteResponse r = call.get();
            if (!FAILOVER.contains(r.getError().getCode()) || System.currentTimeMillis() > deadline) {
                return r;
            }
            Thread.sleep(20);
        }
    }

    private long insert(long id) throws InterruptedException {
        WriteResponse w = retry(() -> g.insert("n1", 1, 0, id));
        assertThat(w.hasError()).as("%s", w.getError()).isFalse();
        return w.getCommitTs();
    }

    /** A read at an explicit timestamp on the primary (noted in its max_read_ts). */
    private void readAt(long ts) {
        assertThat(g.get("n1", 1, ts, 1).hasError()).isFalse();
    }

    private boolean hasVersion(String node, long id, long ts) {
        return g.replica(node).readRow(TxnRequests.pk(id).toByteArray(), ts) != null;
    }

    @Test
    void followersApplyTheCommitTimestampThePrimaryChose() throws Exception {
        startGroup();
        long c1 = insert(1);
        long c2 = insert(2);
        assertThat(c1).as("just above the new primary's oracle timestamp").isEqualTo(FLOOR + 1);
        assertThat(c2).isEqualTo(FLOOR + 2);
        assertThat(g.oracleCalls.get()).as("only the new primary's floor came from the oracle").isEqualTo(1);

        for (String n : List.of("n2", "n3")) {
            ReplicaGroupFixture.await(n + " applied both writes", () -> g.replica(n).appliedTs() == c2);
            assertThat(hasVersion(n, 1, c1 - 1)).isFalse();
            assertThat(hasVersion(n, 1, c1)).as("%s holds key 1 at the primary's commit ts", n).isTrue();
            assertThat(hasVersion(n, 2, c1)).isFalse();
            assertThat(hasVersion(n, 2, c2)).isTrue();
            assertThat(g.contents(n)).isEqualTo(g.contents("n1"));
        }
    }

    @Test
    void aHalfUsedRangeIsRefilledAheadAndAUsedUpOneBeforeTheWrite() throws Exception {
        startGroup();
        insert(1);
        long fresh = Timestamps.ofMillis(5_000);
        g.oracle.set(fresh);

        readAt(FLOOR + RANGE / 2 + 10);
        long half = insert(2);
        assertThat(half).isEqualTo(FLOOR + RANGE / 2 + 11);
        ReplicaGroupFixture.await("the primary took a fresh oracle timestamp in the background",
                () -> g.replica("n1").maxReadTs() == fresh);
        assertThat(insert(3)).as("the next write uses the new slot").isEqualTo(fresh + 1);
        assertThat(g.oracleCalls.get()).isEqualTo(2);

        long next = Timestamps.ofMillis(9_000);
        g.oracle.set(next);
        readAt(fresh + RANGE - 1); // a read at the end of the range: the next write cannot stay in it
        long c = insert(4);
        assertThat(c).as("not the next oracle timestamp, which someone may read at: a fresh slot").isEqualTo(next + 1);
        assertThat(g.oracleCalls.get()).isEqualTo(3);
        ReplicaGroupFixture.await("n2 applied it", () -> g.replica("n2").appliedTs() == c);
        assertThat(hasVersion("n2", 4, c)).isTrue();
        assertThat(g.contents("n2")).isEqualTo(g.contents("n1")).hasSize(4);
    }

    @Test
    void withTheOracleDownAWriteThatWouldLeaveTheRangeGetsNotServingAndChangesNothing() throws Exception {
        startGroup();
        insert(1);
        g.oracleDown = true;
        readAt(Timestamps.slotEnd(FLOOR));
        assertThat(insert(4)).as("on into the next slot of the range, past its oracle value, without the oracle")
                .isEqualTo(FLOOR + STEP + 1);
        readAt(FLOOR + RANGE - 1);
        WriteResponse refused = g.insert("n1", 1, 0, 2);
        assertThat(refused.getError().getCode()).isEqualTo(Error.Code.NOT_SERVING);
        assertThat(g.contents("n1")).hasSize(2);
        // writes that bring their oracle timestamp still work (old frontends, transactions' own timestamps)
        WriteResponse atOracle = g.insert("n1", 1, Timestamps.ofMillis(3_000), 3);
        assertThat(atOracle.hasError()).as("%s", atOracle.getError()).isFalse();

        g.oracleDown = false;
        long c = insert(2);
        assertThat(c).isGreaterThan(Timestamps.ofMillis(3_000));
        assertThat(g.contents("n1")).hasSize(4);
    }
}
