package io.tessera.cli.chaos;

import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.TableSchema;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * How long a shard is unavailable for writes when its primary crashes (see docs/failover.md).
 * A cluster of 3 nodes, a table of one shard with three replicas, and one client inserting into it
 * in a loop. Each round: wait until the replica group has converged (all three live and in
 * ZooKeeper's sync set, so each holds every acknowledged write); {@code kill -9} the primary; measure
 * <ul>
 *   <li><b>promotion</b>: from sending the signal until ZooKeeper's {@code /shards/<id>/state} shows a
 *       new epoch (polled every 10 ms);</li>
 *   <li><b>write unavailability</b>: from sending the signal until the client's first successful
 *       insert that the old primary cannot have acknowledged: one that started after the process was
 *       dead, or that completed after the new epoch was seen;</li>
 * </ul>
 * then restart the node (same id, same data) and let it catch up.
 */
public final class FailoverTiming {
    private static final String TABLE = "FAILOVER_PROBE";
    private static final Duration WAIT = Duration.ofSeconds(60);

    /**
     * @param dir            data and logs
     * @param rounds         kills to measure
     * @param durability     {@code sync} or {@code memory}
     * @param startTimeout   for the cluster to come up
     * @param catchUpTimeout for the restarted node to catch up before the next round
     */
    public record Settings(Path dir, int rounds, String durability, Duration startTimeout, Duration catchUpTimeout) {}

    /** One kill: who died, who took over, and the two durations in seconds. */
    public record Sample(int round, String victim, String successor, long epochBefore, long epochAfter,
                         double promotionSeconds, double writeUnavailableSeconds) {}

    /** The samples, and what went wrong (a round that could not be measured). */
    public record Result(List<Sample> samples, List<String> failures) {
        public boolean ok() {
            return failures.isEmpty() && !samples.isEmpty();
        }

        public String summary() {
            if (samples.isEmpty()) {
                return "no samples";
            }
            double[] p = samples.stream().mapToDouble(Sample::promotionSeconds).sorted().toArray();
            double[] w = samples.stream().mapToDouble(Sample::writeUnavailableSeconds).sorted().toArray();
            return String.format("%d kills of the primary%n"
                            + "  new epoch in ZooKeeper after the kill: median %.2f s, p90 %.2f s, max %.2f s (min %.2f s)%n"
                            + "  first successful write after the kill: median %.2f s, p90 %.2f s, max %.2f s (min %.2f s)",
                    samples.size(), quantile(p, 0.5), quantile(p, 0.9), p[p.length - 1], p[0],
                    quantile(w, 0.5), quantile(w, 0.9), w[w.length - 1], w[0]);
        }
    }

    static double quantile(double[] sorted, double q) {
        if (sorted.length == 1) {
            return sorted[0];
        }
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    private FailoverTiming() {}

    public static Result run(Settings s, Consumer<String> out) throws Exception {
        List<Sample> samples = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        out.accept("starting the cluster in " + s.dir().toAbsolutePath());
        try (FaultCluster cluster = FaultCluster.start(new FaultCluster.Settings(s.dir(), 3, 1, s.durability(),
                s.startTimeout()))) {
            try (Connection c = DriverManager.getConnection(cluster.jdbcUrl()); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE " + TABLE + " (id BIGINT PRIMARY KEY, written_at BIGINT NOT NULL) SHARDS 1 REPLICAS 3");
            }
            ClusterView view = cluster.view();
            TableSchema table = view.table(TABLE).orElseThrow();
            long shardId = view.shards(table.getTableId()).get(0).getShardId();
            ProbeWriter writer = new ProbeWriter(cluster.jdbcUrl(), TABLE);
            writer.start();
            try {
                for (int round = 1; round <= s.rounds(); round++) {
                    List<String> problems = ChaosRun.awaitConverged(cluster, table.getTableId(), false,
                            s.catchUpTimeout(), out);
                    if (!problems.isEmpty()) {
                        failures.add("round " + round + ": the replicas did not converge within "
                                + s.catchUpTimeout().toSeconds() + " s: " + problems);
                        break;
                    }
                    if (!writer.awaitSuccessAfter(System.nanoTime(), WAIT)) {
                        failures.add("round " + round + ": no successful write for " + WAIT.toSeconds()
                                + " s before the kill; last error " + writer.lastError());
                        break;
                    }
                    ShardState before = view.shard(shardId).orElseThrow();
                    Member victim = cluster.node(before.getPrimary());
                    long t0 = System.nanoTime();
                    victim.kill();
                    long dead = System.nanoTime();
                    Optional<ShardState> after = awaitNewEpoch(view, shardId, before.getEpoch(), WAIT);
                    if (after.isEmpty()) {
                        failures.add("round " + round + ": no new epoch for shard " + shardId + " within "
                                + WAIT.toSeconds() + " s after killing " + victim.name());
                        victim.start();
                        break;
                    }
                    long promoted = System.nanoTime();
                    OptionalLong ack = writer.firstAckNotFromTheDead(dead, promoted, WAIT);
                    if (ack.isEmpty()) {
                        failures.add("round " + round + ": no successful write within " + WAIT.toSeconds()
                                + " s after the kill of " + victim.name() + "; last error " + writer.lastError());
                        victim.start();
                        break;
                    }
                    Sample sample = new Sample(round, victim.name(), after.get().getPrimary(), before.getEpoch(),
                            after.get().getEpoch(), (promoted - t0) / 1e9, (ack.getAsLong() - t0) / 1e9);
                    samples.add(sample);
                    out.accept(String.format("round %2d: kill -9 %s (primary at epoch %d) -> %s primary at epoch %d: "
                                    + "new epoch after %.3f s, first write after %.3f s", round, sample.victim(),
                            sample.epochBefore(), sample.successor(), sample.epochAfter(), sample.promotionSeconds(),
                            sample.writeUnavailableSeconds()));
                    victim.start();
                    if (!cluster.awaitLive(victim.name(), WAIT)) {
                        failures.add("round " + round + ": " + victim.name() + " did not come back: " + victim.describeExit());
                        break;
                    }
                }
            } finally {
                writer.stop();
            }
            out.accept("writer: " + writer.successes() + " inserts acknowledged, " + writer.errors() + " failed");
            cluster.stopGracefully();
        }
        return new Result(samples, failures);
    }

    private static Optional<ShardState> awaitNewEpoch(ClusterView view, long shardId, long epoch, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                Optional<ShardState> s = view.shard(shardId);
                if (s.isPresent() && s.get().getEpoch() > epoch) {
                    return s;
                }
            } catch (Exception e) {
                // poll again
            }
            Thread.sleep(10);
        }
        return Optional.empty();
    }
}
