package io.tessera.cli.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.jdbc.EmbeddedCluster;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An embedded cluster (3 nodes) whose only coordinator is stopped, so the timestamp oracle is gone
 * for good while ZooKeeper and the nodes run. Autocommit statements that read several shards take
 * their snapshot from the shard primaries: they see every insert acknowledged before them, the
 * first waits about the oracle budget (1 s) and the following ones not at all, and a one-shard
 * UPDATE whose rows came from a scan of every shard checks its conflicts at that snapshot.
 */
class MultiShardReadsOutliveTheCoordinator {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = 2, unit = java.util.concurrent.TimeUnit.MINUTES)
    void autocommitReadsOfSeveralShardsGoOnWithoutTheOracle() throws Exception {
        try (EmbeddedCluster cluster = EmbeddedCluster.builder().dataDir(dir).nodes(3).replicas(1).start();
                Connection c = DriverManager.getConnection(cluster.jdbcUrl());
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE T (id BIGINT PRIMARY KEY, v BIGINT NOT NULL) SHARDS 4");
            st.execute("CREATE TABLE U (id BIGINT PRIMARY KEY) SHARDS 2");
            for (int i = 0; i < 20; i++) {
                st.executeUpdate("INSERT INTO T VALUES (" + i + ", " + i + ")");
            }
            st.executeUpdate("INSERT INTO U VALUES (1)");
            assertThat(Queries.single(st, "SELECT COUNT(*) FROM T")).isEqualTo(20);

            cluster.coordinator().close();
            st.executeUpdate("INSERT INTO T VALUES (20, 20)"); // one shard: no oracle needed

            long t0 = System.nanoTime();
            assertThat(Queries.single(st, "SELECT COUNT(*) FROM T")).as("sees the insert acknowledged before it")
                    .isEqualTo(21);
            long first = System.nanoTime() - t0;
            t0 = System.nanoTime();
            assertThat(Queries.single(st, "SELECT COUNT(*) FROM T t JOIN U u ON t.id = u.id")).isEqualTo(1);
            long second = System.nanoTime() - t0;
            assertThat(Duration.ofNanos(first)).as("the first waits out the oracle budget, then asks the shards")
                    .isLessThan(Duration.ofSeconds(5));
            assertThat(Duration.ofNanos(second)).as("the next ones do not wait for the oracle")
                    .isLessThan(Duration.ofMillis(900));

            // Reads every shard at a shard timestamp, writes one row: a one-phase write that checks
            // conflicts from that snapshot.
            assertThat(st.executeUpdate("UPDATE T SET v = v + 100 WHERE v = 7")).isEqualTo(1);
            st.executeUpdate("INSERT INTO T VALUES (21, 21)");
            assertThat(Queries.single(st, "SELECT SUM(v) FROM T")).isEqualTo(sum(0, 21) + 100);
            assertThat(Queries.single(st, "SELECT COUNT(*) FROM T WHERE v > 100")).isEqualTo(1);
        }
    }

    private static long sum(int from, int to) {
        long s = 0;
        for (int i = from; i <= to; i++) {
            s += i;
        }
        return s;
    }
}
