package io.tessera.sql.jdbc;

import static io.tessera.sql.jdbc.TesseraTestConnections.execute;
import static io.tessera.sql.jdbc.TesseraTestConnections.query;
import static io.tessera.sql.jdbc.TesseraTestConnections.update;
import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.sql.txn.TxnOptions;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A statement that meets a write conflict (40001): in autocommit mode the frontend runs it again
 * and it succeeds; with {@value ConflictRetry#PROPERTY} 0, or inside an explicit transaction, the
 * application gets the 40001.
 *
 * <p>The conflict is made on purpose: transaction A holds a lock on the row; the autocommit
 * {@code UPDATE x = x + 1} of connection B reads the row past it (A has not committed), then waits
 * for A's lock to write it; A commits while B waits, so B's write finds a version newer than the
 * snapshot it read, and the shard refuses it.
 */
class AutocommitStatementsRetryConflictsTest extends ClusterTestBase {
  private Connection admin;

  @BeforeEach void createTable() throws SQLException {
    admin = connect();
    execute(admin, "CREATE TABLE hot (id INT PRIMARY KEY, x INT) SHARDS 3");
    update(admin, "INSERT INTO hot VALUES (1, 0)");
  }

  @AfterEach void dropTable() throws SQLException {
    execute(admin, "DROP TABLE hot");
    admin.close();
  }

  @Test void anAutocommitUpdateThatConflictsRunsAgainAndSucceeds() throws Exception {
    try (Connection b = patient(new Properties())) {
      assertThat(incrementWhileAnotherTransactionCommits(b)).isEqualTo("1 row");
    }
    // Both increments: A's, and B's second run, which read A's.
    assertThat(x()).isEqualTo(2);
  }

  @Test void withoutRetriesTheConflictReachesTheApplication() throws Exception {
    Properties noRetries = new Properties();
    noRetries.setProperty(ConflictRetry.PROPERTY, "0");
    try (Connection b = patient(noRetries)) {
      assertThat(incrementWhileAnotherTransactionCommits(b)).isEqualTo("40001");
    }
    // B's write was refused, not applied over A's: no lost update either way.
    assertThat(x()).isEqualTo(1);
  }

  @Test void insideATransactionTheConflictReachesTheApplication() throws Exception {
    try (Connection b = patient(new Properties())) {
      b.setAutoCommit(false);
      assertThat(incrementWhileAnotherTransactionCommits(b)).isEqualTo("40001");
      b.rollback();
    }
    assertThat(x()).isEqualTo(1);
  }

  @Test void aBadRetryCountFailsTheConnection() {
    Properties bad = new Properties();
    bad.setProperty(ConflictRetry.PROPERTY, "-1");
    assertThat(stateOf(() -> cluster.connect(bad).close())).isEqualTo("08001");
  }

  private int x() throws SQLException {
    return (Integer) query(admin, "SELECT x FROM hot WHERE id = 1").get(0).get(0);
  }

  /** A connection that waits for other transactions' locks longer than this test takes. */
  private static Connection patient(Properties p) throws SQLException {
    p.setProperty(TxnOptions.LOCK_WAIT, "120000");
    return cluster.connect(p);
  }

  /**
   * Increments row 1 on {@code b} while transaction A, which incremented it first, commits: "1
   * row" when b's statement succeeded, else its SQLState.
   */
  private static String incrementWhileAnotherTransactionCommits(Connection b) throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (Connection a = connect()) {
      a.setAutoCommit(false);
      assertThat(update(a, "UPDATE hot SET x = x + 1 WHERE id = 1")).isEqualTo(1);
      AtomicReference<Thread> runner = new AtomicReference<>();
      Future<String> outcome = pool.submit(() -> {
        runner.set(Thread.currentThread());
        try {
          return update(b, "UPDATE hot SET x = x + 1 WHERE id = 1") + " row";
        } catch (SQLException e) {
          return e.getSQLState();
        }
      });
      awaitWaitingForALock(runner, outcome);
      a.commit();
      return outcome.get(2, TimeUnit.MINUTES);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Returns once the thread running b's statement is waiting for another transaction's lock (its
   * stack is in the frontend's lock wait): it has read the row, and not written it yet.
   */
  private static void awaitWaitingForALock(AtomicReference<Thread> runner, Future<String> outcome)
      throws Exception {
    long giveUp = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (true) {
      Thread t = runner.get();
      if (t != null && Arrays.stream(t.getStackTrace()).anyMatch(f ->
          f.getClassName().endsWith(".LockResolver") && f.getMethodName().equals("forWriter"))) {
        return;
      }
      if (outcome.isDone()) {
        throw new AssertionError("the statement ended (" + outcome.get() + ") without waiting"
            + " for the other transaction's lock");
      }
      if (System.nanoTime() > giveUp) {
        throw new AssertionError("the statement never waited for the other transaction's lock");
      }
      Thread.sleep(5);
    }
  }
}
