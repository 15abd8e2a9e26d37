package io.tessera.jdbc.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The table "What a user gets" of docs/transactions.md, through the driver on an embedded cluster
 * (3 nodes, a table of 4 shards x 3 replicas): every row of it is a test here.
 */
class TransactionsBehaveAsDocumented {
    private static final String URL = "jdbc:tessera:mem:txn-contract";
    private static final AtomicInteger NEXT_KEY = new AtomicInteger(1000);

    @BeforeAll
    static void createTable() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE accounts (id INT PRIMARY KEY, balance BIGINT NOT NULL) SHARDS 4 REPLICAS 3");
            s.executeUpdate("INSERT INTO accounts VALUES (1, 100), (2, 100), (3, 100), (4, 100)");
        }
    }

    private static Connection transactional() throws SQLException {
        Connection c = DriverManager.getConnection(URL);
        c.setAutoCommit(false);
        return c;
    }

    private static long balance(Connection c, int id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT balance FROM accounts WHERE id = ?")) {
            ps.setInt(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }

    private static int setBalance(Connection c, int id, long balance) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE accounts SET balance = ? WHERE id = ?")) {
            ps.setLong(1, balance);
            ps.setInt(2, id);
            return ps.executeUpdate();
        }
    }

    /** Fresh keys, far apart, so that they land on different shards. */
    private static int[] freshKeys(int n) {
        int[] keys = new int[n];
        for (int i = 0; i < n; i++) {
            keys[i] = NEXT_KEY.getAndIncrement();
        }
        return keys;
    }

    private static int count(Connection c, int[] keys) throws SQLException {
        int n = 0;
        for (int k : keys) {
            n += balance(c, k) >= 0 ? 1 : 0;
        }
        return n;
    }

    private static void insert(Connection c, int[] keys) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO accounts VALUES (?, 7)")) {
            for (int k : keys) {
                ps.setInt(1, k);
                ps.executeUpdate();
            }
        }
    }

    @Test
    void theDefaultLevelIsRepeatableRead() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL)) {
            assertThat(c.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_REPEATABLE_READ);
            assertThat(c.getMetaData().supportsTransactions()).isTrue();
        }
    }

    @Test
    void rollbackUndoesWritesOnEveryShard() throws SQLException {
        int[] keys = freshKeys(12);
        try (Connection c = transactional(); Connection other = DriverManager.getConnection(URL)) {
            insert(c, keys);
            assertThat(count(c, keys)).as("own writes are visible").isEqualTo(keys.length);
            assertThat(count(other, keys)).as("nobody else sees them before commit").isZero();
            c.rollback();
            assertThat(count(c, keys)).isZero();
            assertThat(count(other, keys)).isZero();
        }
    }

    @Test
    void commitMakesEveryWriteVisibleAtOnce() throws SQLException {
        int[] keys = freshKeys(12);
        try (Connection c = transactional(); Connection other = DriverManager.getConnection(URL)) {
            insert(c, keys);
            assertThat(count(other, keys)).isZero();
            c.commit();
            assertThat(count(other, keys)).isEqualTo(keys.length);
        }
    }

    @Test
    void repeatableReadReadsOneSnapshot() throws SQLException {
        try (Connection reader = transactional(); Connection writer = DriverManager.getConnection(URL)) {
            long before = balance(reader, 3);
            setBalance(writer, 3, before + 1); // autocommit
            assertThat(balance(reader, 3)).as("the snapshot taken at the first statement").isEqualTo(before);
            reader.commit();
            assertThat(balance(reader, 3)).as("a new transaction, a new snapshot").isEqualTo(before + 1);
            reader.commit();
        }
    }

    @Test
    void readCommittedReadsAFreshSnapshotPerStatement() throws SQLException {
        try (Connection reader = transactional(); Connection writer = DriverManager.getConnection(URL)) {
            reader.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            long before = balance(reader, 4);
            setBalance(writer, 4, before + 1);
            assertThat(balance(reader, 4)).isEqualTo(before + 1);
            reader.commit();
        }
    }

    @Test
    void readUncommittedIsRaisedToReadCommitted() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL)) {
            c.setTransactionIsolation(Connection.TRANSACTION_READ_UNCOMMITTED);
            assertThat(c.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_READ_COMMITTED);
        }
    }

    @Test
    void serializableIsRefused() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL)) {
            assertThatThrownBy(() -> c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE))
                    .isInstanceOf(SQLException.class)
                    .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("0A000");
        }
    }

    @Test
    void aWriteWriteConflictFailsWith40001AndTheFirstCommitterWins() throws SQLException {
        try (Connection a = transactional(); Connection b = transactional()) {
            long start = balance(a, 1);
            balance(b, 1); // both snapshots taken before either writes
            setBalance(a, 1, start + 10);
            a.commit();
            Throwable t = catchThrowable(() -> {
                setBalance(b, 1, start + 20);
                b.commit();
            });
            assertThat(t).isInstanceOf(SQLException.class);
            assertThat(((SQLException) t).getSQLState()).isEqualTo("40001");
            b.rollback();
            assertThat(balance(b, 1)).isEqualTo(start + 10);
            b.commit();
        }
    }

    @Test
    void aLockedRowMakesTheSecondWriterFailWith40001() throws SQLException {
        try (Connection a = transactional(); Connection b = transactional()) {
            long start = balance(a, 2);
            setBalance(a, 2, start + 1); // a holds the lock, uncommitted
            Throwable t = catchThrowable(() -> {
                setBalance(b, 2, start + 2); // waits up to lockWaitTimeoutMs, then gives up
                b.commit();
            });
            assertThat(t).isInstanceOf(SQLException.class);
            assertThat(((SQLException) t).getSQLState()).isEqualTo("40001");
            b.rollback();
            a.commit();
            assertThat(balance(b, 2)).isEqualTo(start + 1);
            b.commit();
        }
    }

    /**
     * Two on-call doctors, each may go off call if the other stays: under snapshot isolation both
     * read "two on call" and both commit, leaving none. Tessera says so (SI is not serializable); this
     * test pins that the conflict check is on writes only, which is what makes lost updates impossible.
     */
    @Test
    void writeSkewIsPossibleAsUnderAnySnapshotIsolation() throws SQLException {
        int[] keys = freshKeys(2);
        try (Connection setup = DriverManager.getConnection(URL)) {
            insert(setup, keys);
        }
        try (Connection a = transactional(); Connection b = transactional()) {
            long onCallSeenByA = balance(a, keys[0]) + balance(a, keys[1]);
            long onCallSeenByB = balance(b, keys[0]) + balance(b, keys[1]);
            assertThat(onCallSeenByA).isEqualTo(onCallSeenByB).isEqualTo(14);
            setBalance(a, keys[0], 0);
            setBalance(b, keys[1], 0);
            a.commit();
            b.commit();
        }
        try (Connection c = DriverManager.getConnection(URL)) {
            assertThat(balance(c, keys[0]) + balance(c, keys[1])).as("both went off call").isZero();
        }
    }

    @Test
    void savepointsAreNotSupported() throws SQLException {
        try (Connection c = transactional()) {
            assertThatThrownBy(c::setSavepoint).isInstanceOf(SQLFeatureNotSupportedException.class);
        }
    }

    @Test
    void aReadOnlyTransactionRefusesWritesWith25006() throws SQLException {
        try (Connection c = transactional()) {
            c.setReadOnly(true);
            balance(c, 1);
            assertThatThrownBy(() -> setBalance(c, 1, 0)).isInstanceOf(SQLException.class)
                    .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("25006");
            c.rollback();
        }
    }

    @Test
    void anAutocommitStatementOnSeveralShardsIsAtomic() throws SQLException {
        int[] keys = freshKeys(8);
        try (Connection c = DriverManager.getConnection(URL); Statement s = c.createStatement()) {
            StringBuilder values = new StringBuilder();
            for (int k : keys) {
                values.append(values.length() == 0 ? "" : ", ").append("(").append(k).append(", 7)");
            }
            // The last row repeats a key: the statement fails as a whole, on every shard.
            values.append(", (").append(keys[0]).append(", 8)");
            assertThatThrownBy(() -> s.executeUpdate("INSERT INTO accounts VALUES " + values))
                    .isInstanceOf(SQLException.class);
            assertThat(count(c, keys)).isZero();
        }
    }
}
