package io.tessera.jdbc.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tessera.coordinator.gc.GcRound;
import io.tessera.jdbc.EmbeddedCluster;
import io.tessera.protocol.time.Timestamps;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/transactions.md, "AS OF: reading the past": a time older than the GC window (here 2 s,
 * rounds every 300 ms) can no longer be read, per query or through the session setting; a time
 * within it still can.
 */
class AsOfBeyondTheGcWindowFails {
    private static final DateTimeFormatter SQL_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");
    private static EmbeddedCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = EmbeddedCluster.builder().name("as-of-gc").nodes(3)
                .gcWindow(Duration.ofSeconds(2)).gcInterval(Duration.ofMillis(300)).start();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Waits until a GC round's safe point is above the snapshot of {@code time}. */
    private static void awaitSafePointAbove(LocalDateTime time) throws InterruptedException {
        long snapshot = Timestamps.endOfMillis(time.atZone(java.time.ZoneId.systemDefault()).toInstant().toEpochMilli());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (cluster.coordinator().lastGcRound().map(GcRound::safePoint).orElse(0L) <= snapshot) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no GC round passed " + time + " within 60 s (last round "
                        + cluster.coordinator().lastGcRound() + ")");
            }
            Thread.sleep(100);
        }
    }

    @Test
    void aTimeBeforeTheSafePointFailsWithSnapshotTooOld() throws Exception {
        try (Connection c = DriverManager.getConnection(cluster.jdbcUrl()); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE kv (k INT PRIMARY KEY, v INT) SHARDS 2");
            s.executeUpdate("INSERT INTO kv VALUES (1, 1), (2, 2), (3, 3)");
            Thread.sleep(20);
            LocalDateTime noted = LocalDateTime.now();
            String asOf = " FOR SYSTEM_TIME AS OF TIMESTAMP '" + SQL_TIME.format(noted) + "'";
            assertThat(count(c, "SELECT COUNT(*) FROM kv" + asOf)).as("within the window").isEqualTo(3);

            awaitSafePointAbove(noted);
            assertThatThrownBy(() -> count(c, "SELECT COUNT(*) FROM kv" + asOf))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("72000");
                        assertThat(e.getMessage()).contains("GC window");
                    });
            s.execute("SET SNAPSHOT_TIMESTAMP = TIMESTAMP '" + SQL_TIME.format(noted) + "'");
            assertThatThrownBy(() -> count(c, "SELECT COUNT(*) FROM kv WHERE k = 1"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("72000"));
            s.execute("RESET SNAPSHOT_TIMESTAMP");
            assertThat(count(c, "SELECT COUNT(*) FROM kv")).as("the present is still there").isEqualTo(3);
        }
    }
}
