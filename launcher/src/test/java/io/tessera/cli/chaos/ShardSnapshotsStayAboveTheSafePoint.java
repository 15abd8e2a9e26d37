package io.tessera.cli.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.coordinator.gc.GcRound;
import io.tessera.jdbc.EmbeddedCluster;
import io.tessera.protocol.time.Timestamps;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shards that committed nothing for longer than the GC window, then the oracle goes away: the
 * shards' newest timestamps are all below the GC safe point, yet statements over several shards
 * and transactions still read and commit, because a snapshot from the shards is raised to the
 * frontend's recent block of unique ids (docs/transactions.md, "Starting without the oracle").
 */
class ShardSnapshotsStayAboveTheSafePoint {
    private static final Duration GC_WINDOW = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void idleShardsBeyondTheGcWindowStillServeSnapshotsWithoutTheOracle() throws Exception {
        try (EmbeddedCluster cluster = EmbeddedCluster.builder().dataDir(dir).nodes(3).replicas(1)
                .gcWindow(GC_WINDOW).gcInterval(Duration.ofMillis(300)).start();
                Connection c = DriverManager.getConnection(cluster.jdbcUrl());
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE T (id BIGINT PRIMARY KEY, v BIGINT NOT NULL) SHARDS 4");
            for (int i = 0; i < 8; i++) {
                st.executeUpdate("INSERT INTO T VALUES (" + i + ", 10)");
            }
            // The last commit is at most a second ahead of the clock (the oracle runs a little ahead).
            long lastCommit = Timestamps.ofMillis(System.currentTimeMillis() + 1_000);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (cluster.coordinator().lastGcRound().map(GcRound::safePoint).orElse(0L) <= lastCommit) {
                assertThat(System.nanoTime()).as("a GC round passes the last commit").isLessThan(deadline);
                Thread.sleep(100);
            }

            cluster.coordinator().close();

            assertThat(Queries.single(st, "SELECT SUM(v) FROM T")).as("a read of every shard").isEqualTo(80);
            c.setAutoCommit(false);
            st.executeUpdate("UPDATE T SET v = v + 1 WHERE id < 4");
            st.executeUpdate("UPDATE T SET v = v - 1 WHERE id >= 4");
            c.commit();
            c.setAutoCommit(true);
            assertThat(st.executeUpdate("UPDATE T SET v = v * 2")).as("an implicit transaction").isEqualTo(8);
            assertThat(Queries.single(st, "SELECT SUM(v) FROM T")).isEqualTo(160);
            assertThat(Queries.single(st, "SELECT v FROM T WHERE id = 0")).isEqualTo(22);
        }
    }
}
