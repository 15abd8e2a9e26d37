package io.tessera.coordinator.tso;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.primitives.Longs;
import io.tessera.coordinator.leader.Fence;
import io.tessera.coordinator.leader.Leadership;
import io.tessera.coordinator.leader.LeadershipListener;
import io.tessera.coordinator.leader.NotLeaderException;
import io.tessera.coordinator.testing.ZkTesting;
import io.tessera.coordinator.testing.ZooKeeperFixture;
import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.time.Timestamps;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class TimestampOracleTest {
    @RegisterExtension
    final ZooKeeperFixture zk = new ZooKeeperFixture();

    private record Leader(CuratorFramework client, Leadership leadership, TimestampOracle tso) {}

    /** An oracle driven by a real election, as in the coordinator. */
    private Leader leader(String id, LongSupplier clock, Duration window) throws Exception {
        CuratorFramework client = ZkTesting.connect(zk.connectString(), "c");
        TimestampOracle tso = new TimestampOracle(client, clock, window);
        Leadership l = new Leadership(client, id, new LeadershipListener() {
            @Override
            public void elected(Fence fence) throws Exception {
                tso.recover(fence);
            }

            @Override
            public void deposed(Fence fence) {
                tso.stop();
            }
        });
        zk.closeAfter(client);
        zk.closeAfter(l);
        l.start(id + ":1");
        return new Leader(client, l, tso);
    }

    private static final long STEP = Timestamps.ORACLE_STEP;

    @Test
    void timestampsStrictlyIncreaseByTheStepWhileTheClockStandsStill() throws Exception {
        Leader a = leader("a", () -> 1_000L, Duration.ofSeconds(3));
        assertThat(a.leadership().awaitLeadership(Duration.ofSeconds(10))).isTrue();
        long first = a.tso().next(1);
        assertThat(first).isEqualTo(Timestamps.ofMillis(1_000L));
        long batch = a.tso().next(10); // first + STEP, ..., first + 10 * STEP
        assertThat(batch).isEqualTo(first + STEP);
        assertThat(a.tso().next(1)).isEqualTo(first + 11 * STEP);
    }

    @Test
    void everyTimestampIsAMultipleOfTheStepAndAboveTheSlotsBeforeIt() throws Exception {
        AtomicLong clock = new AtomicLong(2_000);
        Leader a = leader("a", clock::get, Duration.ofSeconds(3));
        assertThat(a.leadership().awaitLeadership(Duration.ofSeconds(10))).isTrue();
        long previous = 0;
        for (int i = 0; i < 200; i++) {
            if (i % 3 == 0) {
                clock.addAndGet(i % 2 == 0 ? 1 : -1); // the clock moves a little, also backwards
            }
            int count = 1 + i % 5;
            long first = a.tso().next(count);
            for (int k = 0; k < count; k++) {
                long ts = first + k * STEP;
                assertThat(Timestamps.isOracle(ts)).as("timestamp %d", ts).isTrue();
                // a primary may have committed up to the end of the previous slot
                assertThat(ts).isGreaterThan(Timestamps.slotEnd(previous));
                previous = ts;
            }
        }
    }

    @Test
    void limitIsPersistedBeforeTimestampsBelowItAreHandedOut() throws Exception {
        AtomicLong clock = new AtomicLong(5_000);
        Leader a = leader("a", clock::get, Duration.ofSeconds(3));
        assertThat(a.leadership().awaitLeadership(Duration.ofSeconds(10))).isTrue();
        for (int i = 0; i < 50; i++) {
            clock.addAndGet(100); // crosses the 3 s window several times
            long ts = a.tso().next(7);
            long persisted = Longs.fromByteArray(a.client().getData().forPath(ZkPaths.TSO_LIMIT));
            assertThat(ts + 6 * STEP).isLessThan(persisted);
        }
    }

    @Test
    void newLeaderStartsAboveEverythingHandedOutEvenWithAClockFarBehind() throws Exception {
        Leader a = leader("a", () -> 10_000_000L, Duration.ofSeconds(3));
        assertThat(a.leadership().awaitLeadership(Duration.ofSeconds(10))).isTrue();
        long last = 0;
        for (int i = 0; i < 100; i++) {
            last = a.tso().next(3) + 2 * STEP;
        }
        Leader b = leader("b", () -> 1L, Duration.ofSeconds(3));
        ZkTesting.awaitCandidates(a.client(), 2);
        ZkTesting.expireSession(a.client());
        assertThat(b.leadership().awaitLeadership(Duration.ofSeconds(10))).isTrue();

        long next = b.tso().next(1);
        assertThat(next).as("above the slot of the old leader's last timestamp").isGreaterThan(Timestamps.slotEnd(last));
        assertThat(Timestamps.isOracle(next)).isTrue();
        assertThat(b.tso().next(1)).isGreaterThan(next);
    }

    @Test
    void restartedClusterContinuesAboveThePersistedLimit() throws Exception {
        Leader a = leader("a", System::currentTimeMillis, Duration.ofSeconds(3));
        assertThat(a.leadership().awaitLeadership(Duration.ofSeconds(10))).isTrue();
        long last = a.tso().next(100) + 99 * STEP;
        a.leadership().close();
        a.client().close();

        Leader again = leader("a", () -> 0L, Duration.ofSeconds(3));
        assertThat(again.leadership().awaitLeadership(Duration.ofSeconds(10))).isTrue();
        assertThat(again.tso().next(1)).isGreaterThan(Timestamps.slotEnd(last));
    }

    @Test
    void oracleFencedOutByANewerEpochRefusesToServe() throws Exception {
        // A zero window makes every call persist, so the fence is exercised on each one.
        Leader a = leader("a", System::currentTimeMillis, Duration.ZERO);
        assertThat(a.leadership().awaitLeadership(Duration.ofSeconds(10))).isTrue();
        a.tso().next(1);
        Fence stale = a.leadership().fence().orElseThrow();

        // Another coordinator wins an epoch behind a's back (a's latch still believes it leads).
        CuratorFramework other = ZkTesting.connect(zk.connectString(), "c");
        zk.closeAfter(other);
        other.setData().forPath(ZkPaths.COORDINATOR_EPOCH, Longs.toByteArray(stale.epoch() + 1));

        assertThatThrownBy(() -> a.tso().next(1)).isInstanceOf(NotLeaderException.class);
        assertThatThrownBy(() -> a.tso().next(1)).isInstanceOf(NotLeaderException.class)
                .hasMessageContaining("not serving");
    }
}
