package io.tessera.jdbc.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/transactions.md, "AS OF: reading the past", through the driver on an embedded cluster:
 * rows are inserted, the time is noted, then rows are updated, deleted and inserted; reads
 * {@code FOR SYSTEM_TIME AS OF} the noted time, or under {@code SET SNAPSHOT_TIMESTAMP}, return
 * the rows as they were, and plain reads the rows as they are.
 */
class AsOfReadsAPastSnapshot {
    private static final String URL = "jdbc:tessera:mem:as-of";
    private static final DateTimeFormatter SQL_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    /** The noted time, 'yyyy-MM-dd HH:mm:ss.SSS' in the sessions' (the JVM's) time zone. */
    private static String noted;
    /** The noted time as a TIMESTAMP literal. */
    private static String before;
    /** The same time in the zone Pacific/Kiritimati (UTC+14). */
    private static String beforeInKiritimati;

    @BeforeAll
    static void writeHistory() throws Exception {
        try (Connection c = DriverManager.getConnection(URL); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20), qty INT) SHARDS 4");
            s.execute("CREATE TABLE orders (id INT PRIMARY KEY, item INT, n INT) SHARDS 4");
            s.executeUpdate("INSERT INTO items VALUES (1, 'bolt', 10), (2, 'nut', 20), (3, 'gear', 30),"
                    + " (4, 'axle', 40), (5, 'cog', 50), (6, 'pin', 60)");
            s.executeUpdate("INSERT INTO orders VALUES (100, 1, 1), (101, 3, 2), (102, 5, 3)");
            // The noted time is well apart from the commits before and after it.
            Thread.sleep(100);
            LocalDateTime now = LocalDateTime.now();
            noted = SQL_TIME.format(now);
            before = "TIMESTAMP '" + noted + "'";
            beforeInKiritimati = "TIMESTAMP '" + SQL_TIME.format(now.atZone(ZoneId.systemDefault())
                    .withZoneSameInstant(ZoneId.of("Pacific/Kiritimati")).toLocalDateTime()) + "'";
            Thread.sleep(100);
            s.executeUpdate("UPDATE items SET qty = qty + 1"); // every shard
            s.executeUpdate("UPDATE items SET name = 'gearwheel' WHERE id = 3");
            s.executeUpdate("DELETE FROM items WHERE id IN (2, 6)");
            s.executeUpdate("INSERT INTO items VALUES (7, 'spring', 70)");
            s.executeUpdate("UPDATE orders SET n = n * 10");
        }
    }

    private static List<String> rows(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            int width = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder b = new StringBuilder();
                for (int i = 1; i <= width; i++) {
                    b.append(i == 1 ? "" : " ").append(rs.getString(i));
                }
                out.add(b.toString());
            }
            return out;
        }
    }

    private static String asOf(String time) {
        return " FOR SYSTEM_TIME AS OF " + time;
    }

    @Test
    void aQueryAsOfThePastReadsTheRowsAsTheyWere() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL)) {
            String items = "items" + asOf(before);
            assertThat(rows(c, "SELECT name, qty FROM " + items + " WHERE id = 3"))
                    .as("point select").containsExactly("gear 30");
            assertThat(rows(c, "SELECT qty FROM " + items + " WHERE id = 2"))
                    .as("a deleted row").containsExactly("20");
            assertThat(rows(c, "SELECT qty FROM " + items + " WHERE id = 7"))
                    .as("a row inserted later").isEmpty();
            assertThat(rows(c, "SELECT id FROM " + items + " ORDER BY id"))
                    .as("scan of every shard, sorted").containsExactly("1", "2", "3", "4", "5", "6");
            assertThat(rows(c, "SELECT COUNT(*), SUM(qty), MAX(name) FROM " + items))
                    .as("aggregate").containsExactly("6 210 pin");
            assertThat(rows(c, "SELECT o.id, i.name, o.n * i.qty FROM orders" + asOf(before)
                    + " o JOIN " + items + " i ON o.item = i.id ORDER BY o.id"))
                    .as("join").containsExactly("100 bolt 10", "101 gear 60", "102 cog 150");

            assertThat(rows(c, "SELECT name, qty FROM items WHERE id = 3")).containsExactly("gearwheel 31");
            assertThat(rows(c, "SELECT id FROM items ORDER BY id")).containsExactly("1", "3", "4", "5", "7");
            assertThat(rows(c, "SELECT COUNT(*), SUM(qty) FROM items")).containsExactly("5 204");
        }
    }

    @Test
    void joinsAggregatesAndSortsAreStillPushedToTheShards() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL)) {
            String plan = String.join("\n", rows(c, "EXPLAIN PLAN FOR SELECT i.name, SUM(o.n) FROM orders"
                    + asOf(before) + " o JOIN items" + asOf(before) + " i ON o.item = i.id"
                    + " WHERE i.qty > 5 GROUP BY i.name"));
            assertThat(plan).contains("ShardFilter").contains("asOf=[" ).doesNotContain("Snapshot(");
            String sorted = String.join("\n", rows(c, "EXPLAIN PLAN FOR SELECT id FROM items"
                    + asOf(before) + " ORDER BY id LIMIT 2"));
            assertThat(sorted).contains("ShardSort");
            String grouped = String.join("\n", rows(c, "EXPLAIN PLAN FOR SELECT name, COUNT(*) FROM items"
                    + asOf(before) + " GROUP BY name"));
            assertThat(grouped).contains("ShardAggregate");
        }
    }

    @Test
    void theTimeMayBeAParameterOrRelativeToCurrentTimestamp() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL);
             PreparedStatement ps = c.prepareStatement(
                     "SELECT qty FROM items FOR SYSTEM_TIME AS OF CAST(? AS TIMESTAMP) WHERE id = 1")) {
            ps.setTimestamp(1, Timestamp.valueOf(noted));
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(10);
            }
            assertThat(rows(c, "SELECT COUNT(*) FROM items" + asOf("CURRENT_TIMESTAMP - INTERVAL '1' HOUR")))
                    .as("an hour ago the table was empty").containsExactly("0");
            assertThat(rows(c, "SELECT COUNT(*) FROM items" + asOf("CURRENT_TIMESTAMP")))
                    .containsExactly("5");
        }
    }

    @Test
    void theTimeIsInTheSessionTimeZoneLikeCurrentTimestamp() throws SQLException {
        Properties kiritimati = new Properties();
        kiritimati.setProperty("timeZone", "Pacific/Kiritimati");
        try (Connection c = DriverManager.getConnection(URL, kiritimati)) {
            assertThat(rows(c, "SELECT qty FROM items" + asOf(beforeInKiritimati) + " WHERE id = 3"))
                    .containsExactly("30");
            assertThat(rows(c, "SELECT COUNT(*) FROM items" + asOf("CURRENT_TIMESTAMP")))
                    .as("now, not 14 hours ahead").containsExactly("5");
        }
        Properties bakerIsland = new Properties();
        bakerIsland.setProperty("timeZone", "Etc/GMT+12");
        try (Connection c = DriverManager.getConnection(URL, bakerIsland)) {
            assertThat(rows(c, "SELECT COUNT(*) FROM items" + asOf("CURRENT_TIMESTAMP")))
                    .as("now, not 12 hours ago").containsExactly("5");
        }
    }

    @Test
    void theSessionSettingReadsThePastUntilReset() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL); Statement s = c.createStatement()) {
            s.execute("SET SNAPSHOT_TIMESTAMP = " + before);
            assertThat(rows(c, "SELECT name, qty FROM items WHERE id = 3")).containsExactly("gear 30");
            assertThat(rows(c, "SELECT id FROM items ORDER BY id")).containsExactly("1", "2", "3", "4", "5", "6");
            assertThat(rows(c, "SELECT COUNT(*), SUM(qty) FROM items")).containsExactly("6 210");
            assertThat(rows(c, "SELECT SUM(o.n * i.qty) FROM orders o JOIN items i ON o.item = i.id"))
                    .containsExactly("220");
            try (Connection other = DriverManager.getConnection(URL)) {
                assertThat(rows(other, "SELECT COUNT(*) FROM items")).as("other connections read the present")
                        .containsExactly("5");
            }

            s.execute("RESET SNAPSHOT_TIMESTAMP");
            assertThat(rows(c, "SELECT COUNT(*), SUM(qty) FROM items")).containsExactly("5 204");

            s.execute("ALTER SESSION SET SNAPSHOT_TIMESTAMP = " + before);
            assertThat(rows(c, "SELECT COUNT(*) FROM items")).containsExactly("6");
            s.execute("SET SNAPSHOT_TIMESTAMP = NULL");
            assertThat(rows(c, "SELECT COUNT(*) FROM items")).containsExactly("5");

            s.execute("SET SNAPSHOT_TIMESTAMP = '" + noted + "'");
            assertThat(rows(c, "SELECT COUNT(*) FROM items")).as("the time as a string").containsExactly("6");
            s.execute("RESET ALL");
            assertThat(rows(c, "SELECT COUNT(*) FROM items")).containsExactly("5");
        }
    }

    @Test
    void theSessionSettingMayBeAConnectionProperty() throws SQLException {
        Properties info = new Properties();
        info.setProperty("snapshotTimestamp", noted);
        try (Connection c = DriverManager.getConnection(URL, info); Statement s = c.createStatement()) {
            assertThat(rows(c, "SELECT COUNT(*), SUM(qty) FROM items")).containsExactly("6 210");
            s.execute("RESET SNAPSHOT_TIMESTAMP");
            assertThat(rows(c, "SELECT COUNT(*), SUM(qty) FROM items")).containsExactly("5 204");
        }
    }

    @Test
    void anExplicitTransactionReadsTheSessionSnapshot() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL); Statement s = c.createStatement()) {
            s.execute("SET SNAPSHOT_TIMESTAMP = " + before);
            c.setAutoCommit(false);
            assertThat(rows(c, "SELECT qty FROM items WHERE id = 2")).containsExactly("20");
            assertThat(rows(c, "SELECT COUNT(*) FROM items")).containsExactly("6");
            c.commit();
        }
    }

    @Test
    void writesFailWhileTheSessionReadsThePast() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL); Statement s = c.createStatement()) {
            s.execute("SET SNAPSHOT_TIMESTAMP = " + before);
            assertThatThrownBy(() -> s.executeUpdate("INSERT INTO items VALUES (99, 'x', 1)"))
                    .isInstanceOfSatisfying(SQLException.class,
                            e -> assertThat(e.getSQLState()).isEqualTo("25006"));
            assertThatThrownBy(() -> s.executeUpdate("UPDATE items SET qty = 0"))
                    .isInstanceOfSatisfying(SQLException.class,
                            e -> assertThat(e.getSQLState()).isEqualTo("25006"));
            s.execute("RESET SNAPSHOT_TIMESTAMP");
            assertThat(rows(c, "SELECT COUNT(*) FROM items WHERE id = 99 OR qty = 0")).containsExactly("0");
        }
    }

    @Test
    void aStatementReadingThePastCannotWrite() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.executeUpdate("INSERT INTO items SELECT id + 1000, name, qty FROM items"
                    + asOf(before)))
                    .isInstanceOfSatisfying(SQLException.class,
                            e -> assertThat(e.getSQLState()).isEqualTo("25006"));
            assertThat(rows(c, "SELECT COUNT(*) FROM items WHERE id > 1000")).containsExactly("0");
        }
    }

    @Test
    void theFutureCannotBeRead() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> rows(c, "SELECT * FROM items" + asOf("CURRENT_TIMESTAMP + INTERVAL '1' HOUR")))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).startsWith("22");
                        assertThat(e.getMessage()).contains("future");
                    });
            assertThatThrownBy(() -> s.execute("SET SNAPSHOT_TIMESTAMP = TIMESTAMP '2999-01-01 00:00:00'"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).startsWith("22"));
            assertThat(rows(c, "SELECT COUNT(*) FROM items")).as("the setting is unchanged").containsExactly("5");
        }
    }

    @Test
    void aStatementReadsOneSnapshot() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL)) {
            assertThatThrownBy(() -> rows(c, "SELECT * FROM orders" + asOf(before) + " o JOIN items"
                    + asOf("CURRENT_TIMESTAMP") + " i ON o.item = i.id"))
                    .as("two times").isInstanceOfSatisfying(SQLException.class,
                            e -> assertThat(e.getSQLState()).isEqualTo("0A000"));
            assertThatThrownBy(() -> rows(c, "SELECT * FROM orders" + asOf(before)
                    + " o JOIN items i ON o.item = i.id"))
                    .as("a table without AS OF").isInstanceOfSatisfying(SQLException.class,
                            e -> assertThat(e.getSQLState()).isEqualTo("0A000"));
        }
    }

    @Test
    void forUpdateCannotLockThePast() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            assertThatThrownBy(() -> rows(c, "SELECT * FROM items" + asOf(before) + " WHERE id = 1 FOR UPDATE"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("0A000");
                        assertThat(e.getMessage()).contains("past snapshot");
                    });
            s.execute("SET SNAPSHOT_TIMESTAMP = " + before);
            assertThatThrownBy(() -> rows(c, "SELECT * FROM items WHERE id = 1 FOR UPDATE"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("0A000");
                        assertThat(e.getMessage()).contains("past snapshot");
                    });
            c.rollback();
        }
    }

    @Test
    void viewsAreReadInThePastThroughTheSessionSetting() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL); Statement s = c.createStatement()) {
            s.execute("CREATE VIEW big_items AS SELECT id, qty FROM items WHERE qty >= 30");
            assertThatThrownBy(() -> rows(c, "SELECT * FROM big_items" + asOf(before)))
                    .isInstanceOfSatisfying(SQLException.class,
                            e -> assertThat(e.getSQLState()).isEqualTo("0A000"));
            s.execute("SET SNAPSHOT_TIMESTAMP = " + before);
            assertThat(rows(c, "SELECT id FROM big_items ORDER BY id")).containsExactly("3", "4", "5", "6");
        }
    }
}
