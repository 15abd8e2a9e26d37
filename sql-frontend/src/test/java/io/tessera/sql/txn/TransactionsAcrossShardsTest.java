package io.tessera.sql.txn;

import static io.tessera.sql.jdbc.TesseraTestConnections.execute;
import static io.tessera.sql.jdbc.TesseraTestConnections.query;
import static io.tessera.sql.jdbc.TesseraTestConnections.rows;
import static io.tessera.sql.jdbc.TesseraTestConnections.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tessera.sql.jdbc.ClusterTestBase;
import io.tessera.sql.jdbc.FrontendDriver;
import io.tessera.sql.meta.ClusterClient;
import io.tessera.sql.meta.ClusterClients;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Transactions over real shard nodes: atomic commit and rollback across shards, own writes,
 * snapshots, conflicts, abandoned locks, and multi-shard autocommit statements.
 */
class TransactionsAcrossShardsTest extends ClusterTestBase {
  private static final int ROWS = 24;

  private Connection admin;

  @BeforeEach void createTable() throws SQLException {
    admin = connect();
    execute(admin, "CREATE TABLE acct (id INT PRIMARY KEY, owner VARCHAR(10), bal INT) SHARDS 6");
    execute(admin, "CREATE INDEX acct_by_owner ON acct (owner)");
    StringBuilder values = new StringBuilder();
    for (int i = 1; i <= ROWS; i++) {
      values.append(i == 1 ? "" : ", ").append('(').append(i).append(", 'o").append(i % 4)
          .append("', 100)");
    }
    update(admin, "INSERT INTO acct VALUES " + values);
  }

  @AfterEach void dropTable() throws SQLException {
    execute(admin, "DROP TABLE acct");
    admin.close();
  }

  private static Connection connect(String key, String value) throws SQLException {
    Properties p = new Properties();
    p.setProperty(key, value);
    return cluster.connect(p);
  }

  private static long total(Connection c) throws SQLException {
    return ((Number) query(c, "SELECT SUM(bal) FROM acct").get(0).get(0)).longValue();
  }

  private static Object single(Connection c, String sql) throws SQLException {
    return query(c, sql).get(0).get(0);
  }

  @Test void commitMakesEveryShardsWritesVisibleAtOnce() throws SQLException {
    try (Connection tx = connect(); Connection other = connect()) {
      tx.setAutoCommit(false);
      assertThat(update(tx, "UPDATE acct SET bal = bal + 1")).isEqualTo(ROWS);
      update(tx, "INSERT INTO acct VALUES (100, 'new', 7), (101, 'new', 8), (102, 'new', 9)");
      assertThat(update(tx, "DELETE FROM acct WHERE id IN (1, 2, 3)")).isEqualTo(3);

      // Own writes: point reads, scans, index scans, aggregates.
      assertThat(single(tx, "SELECT bal FROM acct WHERE id = 5")).isEqualTo(101);
      assertThat(query(tx, "SELECT bal FROM acct WHERE id = 1")).isEmpty();
      assertThat(single(tx, "SELECT bal FROM acct WHERE id = 101")).isEqualTo(8);
      assertThat(single(tx, "SELECT COUNT(*) FROM acct")).isEqualTo((long) ROWS);
      assertThat(total(tx)).isEqualTo((ROWS - 3) * 101L + 24);
      assertThat(query(tx, "SELECT id FROM acct WHERE owner = 'new' ORDER BY id"))
          .containsExactly(List.of(100), List.of(101), List.of(102));
      // o1 = ids 1, 5, 9, 13, 17, 21, and 1 is deleted.
      assertThat(single(tx, "SELECT COUNT(*) FROM acct WHERE owner = 'o1'")).isEqualTo(5L);

      // Nobody else sees any of it yet.
      assertThat(total(other)).isEqualTo(ROWS * 100L);
      assertThat(single(other, "SELECT bal FROM acct WHERE id = 5")).isEqualTo(100);
      assertThat(query(other, "SELECT id FROM acct WHERE owner = 'new'")).isEmpty();
      assertThat(single(other, "SELECT COUNT(*) FROM acct")).isEqualTo((long) ROWS);

      tx.commit();
      assertThat(total(other)).isEqualTo((ROWS - 3) * 101L + 24);
      assertThat(single(other, "SELECT COUNT(*) FROM acct")).isEqualTo((long) ROWS);
      assertThat(query(other, "SELECT id FROM acct WHERE owner = 'new' ORDER BY id"))
          .containsExactly(List.of(100), List.of(101), List.of(102));
    }
  }

  @Test void rollbackUndoesWritesOnEveryShard() throws SQLException {
    try (Connection tx = connect()) {
      tx.setAutoCommit(false);
      update(tx, "UPDATE acct SET bal = 0 WHERE id > 4");
      update(tx, "DELETE FROM acct WHERE id <= 4");
      update(tx, "INSERT INTO acct VALUES (200, 'x', 1)");
      update(tx, "UPDATE acct SET id = id + 1000 WHERE id BETWEEN 10 AND 12");
      assertThat(total(tx)).isEqualTo(1);
      tx.rollback();
      assertThat(total(tx)).isEqualTo(ROWS * 100L);
      assertThat(total(admin)).isEqualTo(ROWS * 100L);
      assertThat(single(admin, "SELECT COUNT(*) FROM acct")).isEqualTo((long) ROWS);
      // The locks are gone: others can write every key at once.
      assertThat(update(admin, "UPDATE acct SET bal = 1")).isEqualTo(ROWS);
      assertThat(update(admin, "INSERT INTO acct VALUES (200, 'x', 1)")).isEqualTo(1);
    }
  }

  @Test void aTransactionReadsOneStableSnapshot() throws SQLException {
    try (Connection reader = connect(); Connection rc = connect()) {
      reader.setAutoCommit(false);
      rc.setAutoCommit(false);
      rc.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
      assertThat(total(reader)).isEqualTo(ROWS * 100L);
      assertThat(total(rc)).isEqualTo(ROWS * 100L);
      update(admin, "UPDATE acct SET bal = bal + 5 WHERE id IN (1, 2)");
      update(admin, "INSERT INTO acct VALUES (300, 'late', 1)");
      // REPEATABLE READ: the snapshot of the transaction's start.
      assertThat(total(reader)).isEqualTo(ROWS * 100L);
      assertThat(single(reader, "SELECT bal FROM acct WHERE id = 1")).isEqualTo(100);
      assertThat(query(reader, "SELECT id FROM acct WHERE owner = 'late'")).isEmpty();
      // READ COMMITTED: each statement sees what was committed before it, and may write rows
      // committed by others after the transaction began.
      assertThat(total(rc)).isEqualTo(ROWS * 100L + 11);
      assertThat(update(rc, "UPDATE acct SET bal = bal + 1 WHERE id = 1")).isEqualTo(1);
      assertThat(single(rc, "SELECT bal FROM acct WHERE id = 1")).isEqualTo(106);
      reader.commit();
      rc.commit();
      assertThat(total(reader)).isEqualTo(ROWS * 100L + 12);
    }
  }

  @Test void aDeadlockEndsIn40001ForAtLeastOneSide() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (Connection a = connect(TxnOptions.LOCK_WAIT, "500");
        Connection b = connect(TxnOptions.LOCK_WAIT, "500")) {
      a.setAutoCommit(false);
      b.setAutoCommit(false);
      update(a, "UPDATE acct SET bal = bal - 1 WHERE id = 1");
      update(b, "UPDATE acct SET bal = bal - 1 WHERE id = 2");
      Future<String> first = pool.submit(() ->
          outcome(a, "UPDATE acct SET bal = bal + 1 WHERE id = 2"));
      Future<String> second = pool.submit(() ->
          outcome(b, "UPDATE acct SET bal = bal + 1 WHERE id = 1"));
      List<String> outcomes = List.of(first.get(10, TimeUnit.SECONDS),
          second.get(10, TimeUnit.SECONDS));
      assertThat(outcomes).contains("40001");
      for (Connection c : List.of(a, b)) {
        try {
          c.commit();
        } catch (SQLException e) {
          assertThat(e.getSQLState()).isEqualTo("40001");
        }
      }
      // Whatever committed, committed whole: the total is unchanged.
      assertThat(total(admin)).isEqualTo(ROWS * 100L);
    } finally {
      pool.shutdownNow();
    }
  }

  /** "ok", or the SQLState the statement failed with. */
  private static String outcome(Connection c, String sql) {
    try {
      update(c, sql);
      return "ok";
    } catch (SQLException e) {
      return e.getSQLState();
    }
  }

  @Test void concurrentWritesToOneRowConflictWith40001() throws SQLException {
    Properties impatient = new Properties();
    impatient.setProperty(TxnOptions.LOCK_WAIT, "300");
    try (Connection a = connect(); Connection b = cluster.connect(impatient)) {
      a.setAutoCommit(false);
      b.setAutoCommit(false);
      update(a, "UPDATE acct SET bal = bal - 10 WHERE id = 1");
      // b meets a's lock, waits 300 ms, gives up.
      assertThatThrownBy(() -> update(b, "UPDATE acct SET bal = bal + 10 WHERE id = 1"))
          .isInstanceOf(SQLException.class).satisfies(e -> {
            SQLException s = (SQLException) e;
            assertThat(s.getSQLState()).isEqualTo("40001");
            assertThat(s.getErrorCode()).isZero();
            assertThat(s.getMessage()).contains("ACCT", "[1]", "locked by transaction");
          });
      // b's transaction was rolled back: it only takes rollback (or a failing commit) now.
      assertThat(stateOf(() -> query(b, "SELECT COUNT(*) FROM acct"))).isEqualTo("25000");
      assertThat(stateOf(b::commit)).isEqualTo("40001");
      a.commit();
      assertThat(single(admin, "SELECT bal FROM acct WHERE id = 1")).isEqualTo(90);

      // Snapshot isolation: a write to a row committed by someone else after the transaction
      // began is a conflict, not a lost update.
      assertThat(total(b)).isEqualTo(ROWS * 100L - 10);
      update(admin, "UPDATE acct SET bal = bal + 1 WHERE id = 2");
      assertThatThrownBy(() -> update(b, "UPDATE acct SET bal = bal + 10 WHERE id = 2"))
          .isInstanceOf(SQLException.class).satisfies(e -> {
            assertThat(((SQLException) e).getSQLState()).isEqualTo("40001");
            assertThat(((SQLException) e).getErrorCode()).isZero();
          });
      b.rollback();
      assertThat(single(admin, "SELECT bal FROM acct WHERE id = 2")).isEqualTo(101);
    }
  }

  @Test void selectForUpdateLocksTheRowsItReads() throws SQLException {
    Properties impatient = new Properties();
    impatient.setProperty(TxnOptions.LOCK_WAIT, "300");
    try (Connection a = connect(); Connection b = cluster.connect(impatient)) {
      a.setAutoCommit(false);
      assertThat(query(a, "SELECT bal FROM acct WHERE id IN (1, 2) FOR UPDATE"))
          .containsExactly(List.of(100), List.of(100));
      try (PreparedStatement ps = a.prepareStatement(
          "SELECT x.bal FROM acct x WHERE x.id = ? FOR UPDATE")) {
        ps.setInt(1, 3);
        assertThat(rows(ps.executeQuery())).containsExactly(List.of(100));
      }
      for (int id = 1; id <= 3; id++) {
        int key = id;
        assertThat(stateOf(() -> update(b, "UPDATE acct SET bal = 0 WHERE id = " + key)))
            .as("update of locked row %d", key).isEqualTo("40001");
      }
      // Rows not selected are not locked.
      assertThat(update(b, "UPDATE acct SET bal = 7 WHERE id = 4")).isEqualTo(1);
      update(a, "UPDATE acct SET bal = bal + 1 WHERE id = 1");
      a.commit();
      assertThat(query(admin, "SELECT id, bal FROM acct WHERE id <= 4 ORDER BY id"))
          .containsExactly(List.of(1, 101), List.of(2, 100), List.of(3, 100), List.of(4, 7));
      // Committed: the locks are gone.
      assertThat(update(b, "UPDATE acct SET bal = 0 WHERE id IN (2, 3)")).isEqualTo(2);

      // Snapshot isolation: a row changed since the transaction began cannot be locked.
      a.setAutoCommit(false);
      assertThat(total(a)).isEqualTo(ROWS * 100L + 1 - 200 + 7 - 100);
      update(admin, "UPDATE acct SET bal = 5 WHERE id = 5");
      assertThat(stateOf(() -> query(a, "SELECT bal FROM acct WHERE id = 5 FOR UPDATE")))
          .isEqualTo("40001");
      a.rollback();
    }
  }

  @Test void heartbeatsKeepAnOpenTransactionAliveBeyondItsTtl() throws Exception {
    try (Connection tx = connect(TxnOptions.TTL, "1000")) {
      tx.setAutoCommit(false);
      update(tx, "UPDATE acct SET bal = bal + 1 WHERE id IN (1, 2, 3)");
      Thread.sleep(2500);
      // A reader checks the transaction's status: expired locks would be rolled back now.
      assertThat(total(admin)).isEqualTo(ROWS * 100L);
      tx.commit();
      assertThat(total(admin)).isEqualTo(ROWS * 100L + 3);
    }
  }

  @Test void locksOfAnAbandonedTransactionAreResolvedAfterItsTtl() throws Exception {
    // The abandoned connection gets a cluster client of its own (another spelling of the
    // ZooKeeper address), which is then closed under it: no heartbeat, no rollback.
    String zk = cluster.zkConnect().replace("127.0.0.1", "localhost");
    Properties p = new Properties();
    p.setProperty(FrontendDriver.ZK, zk);
    p.setProperty(FrontendDriver.CLUSTER, cluster.clusterName());
    p.setProperty(TxnOptions.TTL, "1000");
    p.setProperty("failoverTimeoutMs", "500");
    Connection abandoned = new FrontendDriver().connect(FrontendDriver.CONNECT_STRING_PREFIX, p);
    abandoned.setAutoCommit(false);
    update(abandoned, "UPDATE acct SET bal = 0");
    ClusterClient client = ClusterClients.acquire(zk, cluster.clusterName());
    client.close();
    client.close(); // the last reference: heartbeats and channels stop

    try (Connection writer = connect(TxnOptions.LOCK_WAIT, "10000")) {
      // Readers never wait: they read past the live (then expired) locks.
      assertThat(total(writer)).isEqualTo(ROWS * 100L);
      long start = System.nanoTime();
      assertThat(update(writer, "UPDATE acct SET bal = bal + 1")).isEqualTo(ROWS);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(9000);
      assertThat(total(writer)).isEqualTo(ROWS * 101L);
    }
    abandoned.close(); // its rollback fails (client closed): logged, not thrown
  }

  @Test void aTransactionRolledBackByAnotherClientNeverReadsOnWithoutItsWrites() throws Exception {
    // A TTL well below the heartbeat interval (1 s): the locks expire between heartbeats, as
    // they would if the client paused (GC, SIGSTOP) longer than the TTL.
    try (Connection tx = connect(TxnOptions.TTL, "200");
        Connection writer = connect(TxnOptions.LOCK_WAIT, "10000")) {
      tx.setAutoCommit(false);
      assertThat(update(tx, "UPDATE acct SET bal = 0 WHERE id IN (1, 2, 3, 4, 5, 6)"))
          .isEqualTo(6);
      // The writer waits for the locks, finds them expired and rolls the transaction back.
      assertThat(update(writer, "UPDATE acct SET bal = bal + 1 WHERE id IN (1, 2, 3, 4, 5, 6)"))
          .isEqualTo(6);
      assertThatThrownBy(() -> query(tx, "SELECT id, bal FROM acct WHERE id <= 6"))
          .as("its own writes are gone: the read must not return the others' rows")
          .isInstanceOfSatisfying(SQLException.class,
              e -> assertThat(e.getSQLState()).isEqualTo("40001"));
      assertThatThrownBy(tx::commit).isInstanceOfSatisfying(SQLException.class,
          e -> assertThat(e.getSQLState()).isEqualTo("40001"));
      assertThat(((Number) single(tx, "SELECT SUM(bal) FROM acct WHERE id <= 6")).longValue())
          .as("a new transaction").isEqualTo(606L);
      tx.rollback();
    }
  }

  @Test void multiShardAutocommitUpdatesAreAtomic() throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    List<Long> totals = new ArrayList<>();
    try (Connection writer = connect(); Connection reader = connect()) {
      Future<Integer> transfers = pool.submit(() -> {
        int n = 0;
        while (!stop.get() && n < 100) {
          int from = 1 + n % ROWS;
          int to = 1 + (n * 7 + 3) % ROWS;
          if (from != to) {
            update(writer, "UPDATE acct SET bal = CASE WHEN id = " + from + " THEN bal - 3"
                + " ELSE bal + 3 END WHERE id IN (" + from + ", " + to + ")");
          }
          n++;
        }
        return n;
      });
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!transfers.isDone() && System.nanoTime() < deadline) {
        totals.add(total(reader));
      }
      stop.set(true);
      assertThat(transfers.get(30, TimeUnit.SECONDS)).isPositive();
    } finally {
      pool.shutdownNow();
    }
    assertThat(totals).isNotEmpty().allMatch(t -> t == ROWS * 100L);
    assertThat(total(admin)).isEqualTo(ROWS * 100L);

    // A multi-shard statement failing on one shard (the new key 21 exists) changes nothing.
    assertThat(stateOf(() -> update(admin,
        "UPDATE acct SET id = id + 1, bal = 0 WHERE id BETWEEN 10 AND 20"))).isEqualTo("23505");
    assertThat(single(admin, "SELECT COUNT(*) FROM acct WHERE id BETWEEN 10 AND 21"))
        .isEqualTo(12L);
    assertThat(total(admin)).isEqualTo(ROWS * 100L);
  }
}
