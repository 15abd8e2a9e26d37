package io.tessera.jdbc.txn;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.coordinator.gc.GcRound;
import io.tessera.jdbc.EmbeddedCluster;
import io.tessera.node.ShardNode;
import io.tessera.node.storage.Replica;
import io.tessera.sql.jdbc.FrontendDriver;
import io.tessera.sql.meta.ClusterClient;
import io.tessera.sql.meta.ClusterClients;
import io.tessera.sql.txn.TxnOptions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Garbage collection on an embedded cluster (3 nodes, 2 shards x 3 replicas) with a 2 s window:
 * after updates and deletes, the leader's rounds leave one version per live row on every replica
 * and none of deleted rows, the data reads the same, the locks of a transaction whose client went
 * away are resolved, the transaction records go, and a transaction open longer than the window
 * fails its commit with 40001.
 */
class GarbageCollectionKeepsTheCurrentData {
    private static final Duration WINDOW = Duration.ofSeconds(2);
    private static EmbeddedCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = EmbeddedCluster.builder().name("gc").nodes(3).gcWindow(WINDOW).gcInterval(Duration.ofMillis(300)).start();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static Connection connect() throws SQLException {
        return DriverManager.getConnection(cluster.jdbcUrl());
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static List<String> rows(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getInt(1) + "=" + rs.getInt(2));
            }
        }
        return out;
    }

    /** The replicas of table GC_KV on every node. */
    private static List<Replica> replicas() {
        List<Replica> out = new ArrayList<>();
        for (ShardNode n : cluster.nodes()) {
            for (long id : n.replicas().shardIds()) {
                Replica r = n.replicas().get(id);
                if (r != null && r.layout().tableName().equals("GC_KV")) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    /** Sum over the replicas of each node of a count, one entry per node. */
    private static List<Long> perNode(java.util.function.ToLongFunction<Replica> count) {
        List<Long> out = new ArrayList<>();
        for (ShardNode n : cluster.nodes()) {
            long sum = 0;
            for (Replica r : replicas()) {
                if (n.replicas().get(r.shardId()) == r) {
                    sum += count.applyAsLong(r);
                }
            }
            out.add(sum);
        }
        return out;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 60 s: " + what + " (versions per node " + perNode(Replica::versionCount)
                        + ", locks " + perNode(Replica::lockCount) + ", records " + perNode(Replica::txnRecordCount)
                        + ", last round " + cluster.coordinator().lastGcRound() + ")");
            }
            Thread.sleep(100);
        }
    }

    @Test
    void oldVersionsLocksAndRecordsGoAndTheDataStays() throws Exception {
        List<String> expected;
        try (Connection c = connect()) {
            exec(c, "CREATE TABLE gc_kv (k INT PRIMARY KEY, v INT NOT NULL) SHARDS 2 REPLICAS 3");
            exec(c, "CREATE INDEX gc_kv_v ON gc_kv (v)");
            StringBuilder values = new StringBuilder();
            for (int k = 1; k <= 20; k++) {
                values.append(k == 1 ? "" : ", ").append("(").append(k).append(", ").append(k).append(")");
            }
            exec(c, "INSERT INTO gc_kv VALUES " + values);
            for (int round = 1; round <= 4; round++) {
                exec(c, "UPDATE gc_kv SET v = v + 100");
            }
            exec(c, "DELETE FROM gc_kv WHERE k > 15");
            // a transaction through a connection: its records are what the second collection removes
            c.setAutoCommit(false);
            exec(c, "UPDATE gc_kv SET v = v + 1 WHERE k IN (1, 2, 3, 4)");
            c.commit();
            c.setAutoCommit(true);
            expected = rows(c, "SELECT k, v FROM gc_kv ORDER BY k");
        }
        assertThat(expected).hasSize(15).startsWith("1=402").endsWith("15=415");

        // a transaction whose client went away: its locks stay until someone resolves them
        String zk = cluster.zkConnect().replace("127.0.0.1", "localhost");
        Properties p = new Properties();
        p.setProperty(FrontendDriver.ZK, zk);
        p.setProperty(FrontendDriver.CLUSTER, cluster.cluster());
        p.setProperty(TxnOptions.TTL, "1000");
        p.setProperty("failoverTimeoutMs", "500");
        Connection abandoned = new FrontendDriver().connect(FrontendDriver.CONNECT_STRING_PREFIX, p);
        abandoned.setAutoCommit(false);
        exec(abandoned, "INSERT INTO gc_kv VALUES (100, 1), (101, 2), (102, 3), (103, 4)");
        ClusterClient client = ClusterClients.acquire(zk, cluster.cluster());
        client.close();
        client.close(); // the last reference: heartbeats and channels stop

        // a transaction that stays open (heartbeating) longer than the window
        Connection old = connect();
        old.setAutoCommit(false);
        exec(old, "UPDATE gc_kv SET v = -1 WHERE k = 5");

        await(() -> perNode(Replica::versionCount).stream().allMatch(n -> n == 15)
                && perNode(Replica::indexEntryCount).stream().allMatch(n -> n == 15),
                "one version and one index entry per live row on every node");
        await(() -> perNode(Replica::lockCount).stream().allMatch(n -> n == 0), "every lock below the safe point resolved");
        await(() -> cluster.coordinator().lastGcRound().map(GcRound::txnRecordsCollected).orElse(false)
                && perNode(Replica::txnRecordCount).stream().allMatch(n -> n == 0), "transaction records collected");

        try (Connection c = connect()) {
            assertThat(rows(c, "SELECT k, v FROM gc_kv ORDER BY k")).isEqualTo(expected);
            assertThat(rows(c, "SELECT k, v FROM gc_kv WHERE v > 400 ORDER BY v")).hasSize(15);
            exec(c, "UPDATE gc_kv SET v = v + 1000 WHERE k = 6");
            assertThat(rows(c, "SELECT k, v FROM gc_kv WHERE k = 6")).containsExactly("6=1406");
        }
        String commitState = "committed";
        try {
            old.commit();
        } catch (SQLException e) {
            commitState = e.getSQLState();
        }
        assertThat(commitState).as("a transaction older than the GC window is aborted").isEqualTo("40001");
        old.close();
        abandoned.close(); // its rollback fails (client closed): logged, not thrown
        GcRound round = cluster.coordinator().lastGcRound().orElseThrow();
        assertThat(round.replicasReached()).isEqualTo(round.replicas());
    }
}
