package io.tessera.cli.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tessera.jdbc.EmbeddedCluster;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An embedded cluster (3 nodes) whose only coordinator is stopped, so the timestamp oracle is gone
 * for good while ZooKeeper and the nodes run. Transactions still start: their snapshot comes from
 * the shard primaries and their identity from the frontend's unique ids (docs/transactions.md,
 * "Starting without the oracle"). Explicit transactions over several shards commit atomically or
 * roll back, conflict with what committed after their snapshot, and so do the implicit
 * transactions of multi-shard autocommit statements and the writes to a table without a primary
 * key (whose hidden row ids are unique ids too).
 */
class TransactionsStartWithoutTheOracle {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = 2, unit = java.util.concurrent.TimeUnit.MINUTES)
    void transactionsBeginCommitAndConflictWhileTheOracleIsGone() throws Exception {
        try (EmbeddedCluster cluster = EmbeddedCluster.builder().dataDir(dir).nodes(3).replicas(1).start();
                Connection c = DriverManager.getConnection(cluster.jdbcUrl());
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE ACCOUNTS (id BIGINT PRIMARY KEY, balance BIGINT NOT NULL) SHARDS 4");
            st.execute("CREATE TABLE JOURNAL (note VARCHAR(20), amount BIGINT) SHARDS 3"); // no primary key
            for (int i = 1; i <= 8; i++) {
                st.executeUpdate("INSERT INTO ACCOUNTS VALUES (" + i + ", 100)");
            }
            st.executeUpdate("INSERT INTO JOURNAL VALUES ('opening', 800)");

            cluster.coordinator().close();

            // An explicit transaction over every shard of two tables.
            c.setAutoCommit(false);
            assertThat(Queries.single(st, "SELECT SUM(balance) FROM ACCOUNTS")).isEqualTo(800);
            assertThat(st.executeUpdate("UPDATE ACCOUNTS SET balance = balance - 10 WHERE id <= 4")).isEqualTo(4);
            assertThat(st.executeUpdate("UPDATE ACCOUNTS SET balance = balance + 10 WHERE id > 4")).isEqualTo(4);
            assertThat(st.executeUpdate("INSERT INTO JOURNAL VALUES ('transfer', 40), ('fee', 0)")).isEqualTo(2);
            assertThat(Queries.single(st, "SELECT COUNT(*) FROM JOURNAL")).as("reads its own writes").isEqualTo(3);
            c.commit();
            c.setAutoCommit(true);
            assertThat(Queries.single(st, "SELECT SUM(balance) FROM ACCOUNTS WHERE id <= 4")).isEqualTo(360);
            assertThat(Queries.single(st, "SELECT SUM(balance) FROM ACCOUNTS WHERE id > 4")).isEqualTo(440);
            assertThat(Queries.single(st, "SELECT COUNT(*) FROM JOURNAL")).isEqualTo(3);

            // Rolled back: nothing of it stays.
            c.setAutoCommit(false);
            st.executeUpdate("UPDATE ACCOUNTS SET balance = 0");
            st.executeUpdate("INSERT INTO JOURNAL VALUES ('undone', 1)");
            c.rollback();
            c.setAutoCommit(true);
            assertThat(Queries.single(st, "SELECT SUM(balance) FROM ACCOUNTS")).isEqualTo(800);
            assertThat(Queries.single(st, "SELECT COUNT(*) FROM JOURNAL WHERE note = 'undone'")).isZero();

            // A write committed after a transaction's snapshot conflicts with the transaction's write.
            try (Connection other = DriverManager.getConnection(cluster.jdbcUrl());
                    Statement ost = other.createStatement()) {
                c.setAutoCommit(false);
                assertThat(Queries.single(st, "SELECT balance FROM ACCOUNTS WHERE id = 3")).isEqualTo(90);
                assertThat(ost.executeUpdate("UPDATE ACCOUNTS SET balance = balance + 1 WHERE id = 3")).isEqualTo(1);
                assertThatThrownBy(() -> st.executeUpdate("UPDATE ACCOUNTS SET balance = balance - 1 WHERE id = 3"))
                        .isInstanceOf(SQLException.class)
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("40001"));
                c.rollback();
                c.setAutoCommit(true);
                assertThat(Queries.single(st, "SELECT balance FROM ACCOUNTS WHERE id = 3")).isEqualTo(91);

                // Two open transactions at once: distinct identities, each reads its own writes only.
                c.setAutoCommit(false);
                other.setAutoCommit(false);
                st.executeUpdate("UPDATE ACCOUNTS SET balance = balance + 5 WHERE id = 1");
                ost.executeUpdate("UPDATE ACCOUNTS SET balance = balance + 7 WHERE id = 2");
                assertThat(Queries.single(st, "SELECT SUM(balance) FROM ACCOUNTS WHERE id <= 2")).isEqualTo(185);
                assertThat(Queries.single(ost, "SELECT SUM(balance) FROM ACCOUNTS WHERE id <= 2")).isEqualTo(187);
                c.commit();
                other.commit();
                c.setAutoCommit(true);
                other.setAutoCommit(true);
                assertThat(Queries.single(st, "SELECT SUM(balance) FROM ACCOUNTS WHERE id <= 2")).isEqualTo(192);
            }

            // Autocommit statements writing several shards: each an implicit transaction.
            assertThat(st.executeUpdate("UPDATE ACCOUNTS SET balance = balance + 1")).isEqualTo(8);
            assertThat(st.executeUpdate("INSERT INTO ACCOUNTS VALUES (101, 0), (102, 0), (103, 0), (104, 0)"))
                    .isEqualTo(4);
            assertThat(Queries.single(st, "SELECT SUM(balance) FROM ACCOUNTS")).isEqualTo(800 + 1 + 12 + 8);
            assertThat(Queries.single(st, "SELECT COUNT(*) FROM ACCOUNTS")).isEqualTo(12);

            // A table without a primary key: new hidden row ids, and rows found again by their values.
            assertThat(st.executeUpdate("INSERT INTO JOURNAL VALUES ('a', 1), ('b', 2), ('c', 3), ('d', 4)"))
                    .isEqualTo(4);
            assertThat(st.executeUpdate("UPDATE JOURNAL SET amount = amount * 10 WHERE note IN ('b', 'c')"))
                    .isEqualTo(2);
            assertThat(st.executeUpdate("DELETE FROM JOURNAL WHERE note = 'd'")).isEqualTo(1);
            assertThat(Queries.single(st, "SELECT COUNT(*) FROM JOURNAL")).isEqualTo(6);
            assertThat(Queries.single(st, "SELECT SUM(amount) FROM JOURNAL")).isEqualTo(800 + 40 + 1 + 20 + 30);
        }
    }
}
