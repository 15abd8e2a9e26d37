package io.tessera.sql.dml;

import static io.tessera.sql.jdbc.TesseraTestConnections.execute;
import static io.tessera.sql.jdbc.TesseraTestConnections.query;
import static io.tessera.sql.jdbc.TesseraTestConnections.update;
import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.sql.jdbc.ClusterTestBase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Autocommit read-modify-write statements ({@code UPDATE t SET x = x + 1}) running concurrently
 * on the same rows from several connections: every acknowledged increment is in the final value.
 * The write names the snapshot its rows were read at, the shard refuses it with 40001 when one of
 * them changed since, and the frontend runs the statement again (docs/transactions.md).
 *
 * <p>A 40001 that still reaches the application (the frontend's retries are bounded) is retried
 * here as an application would: the increment it stands for did not happen.
 */
class ConcurrentAutocommitUpdatesLoseNothingTest extends ClusterTestBase {
  private static final int CLIENTS = 4;
  private static final int INCREMENTS = 20;

  private static Connection admin;

  @BeforeAll static void connectAdmin() throws SQLException {
    admin = connect();
  }

  @AfterAll static void closeAdmin() throws SQLException {
    admin.close();
  }

  @Test void concurrentIncrementsOfOneRowAreAllKept() throws Exception {
    execute(admin, "CREATE TABLE one_row (id INT PRIMARY KEY, x INT) SHARDS 4");
    update(admin, "INSERT INTO one_row VALUES (1, 0), (2, 0)");

    incrementConcurrently("UPDATE one_row SET x = x + 1 WHERE id = ?", 1, 1, INCREMENTS);

    assertThat(query(admin, "SELECT id, x FROM one_row ORDER BY id"))
        .containsExactly(List.of(1, CLIENTS * INCREMENTS), List.of(2, 0));
    execute(admin, "DROP TABLE one_row");
  }

  @Test void concurrentUpdatesOfSeveralRowsOfOneShardAreAllKept() throws Exception {
    execute(admin, "CREATE TABLE one_shard (id INT PRIMARY KEY, grp INT, x INT) SHARDS 1");
    update(admin, "INSERT INTO one_shard VALUES (1, 1, 0), (2, 1, 0), (3, 1, 0), (4, 2, 0)");

    incrementConcurrently("UPDATE one_shard SET x = x + 1 WHERE grp = ?", 1, 3, INCREMENTS);

    int all = CLIENTS * INCREMENTS;
    assertThat(query(admin, "SELECT id, x FROM one_shard ORDER BY id")).containsExactly(
        List.of(1, all), List.of(2, all), List.of(3, all), List.of(4, 0));
    execute(admin, "DROP TABLE one_shard");
  }

  /** The rows are found again by their values (hidden row ids): a changed one is a conflict. */
  @Test void concurrentIncrementsOfATableWithoutPrimaryKeyAreAllKept() throws Exception {
    execute(admin, "CREATE TABLE no_key (grp INT, x INT) SHARDS 1");
    update(admin, "INSERT INTO no_key VALUES (1, 0), (2, 0)");

    incrementConcurrently("UPDATE no_key SET x = x + 1 WHERE grp = ?", 1, 1, INCREMENTS);

    assertThat(query(admin, "SELECT grp, x FROM no_key ORDER BY grp"))
        .containsExactly(List.of(1, CLIENTS * INCREMENTS), List.of(2, 0));
    execute(admin, "DROP TABLE no_key");
  }

  /** Rows on several shards: each statement is an implicit transaction. */
  @Test void concurrentUpdatesOfRowsOnSeveralShardsAreAllKept() throws Exception {
    execute(admin, "CREATE TABLE spread (id INT PRIMARY KEY, grp INT, x INT) SHARDS 4");
    update(admin, "INSERT INTO spread VALUES (1, 1, 0), (2, 1, 0), (3, 1, 0), (4, 1, 0),"
        + " (5, 1, 0), (6, 1, 0), (7, 2, 0)");

    int increments = 5; // implicit transactions that collide wait for each other's locks
    incrementConcurrently("UPDATE spread SET x = x + 1 WHERE grp = ?", 1, 6, increments);

    assertThat(query(admin, "SELECT DISTINCT x FROM spread WHERE grp = 1"))
        .containsExactly(List.of(CLIENTS * increments));
    assertThat(query(admin, "SELECT x FROM spread WHERE grp = 2")).containsExactly(List.of(0));
    execute(admin, "DROP TABLE spread");
  }

  /**
   * Runs {@code sql} (one parameter, {@code group}) {@code times} on each of {@link #CLIENTS}
   * connections at once; every execution that succeeds must report {@code rows} rows.
   */
  private static void incrementConcurrently(String sql, int group, int rows, int times)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    try {
      List<Future<?>> clients = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        clients.add(pool.submit(() -> {
          try (Connection conn = connect(); PreparedStatement ps = conn.prepareStatement(sql)) {
            ps.setInt(1, group);
            for (int i = 0; i < times; i++) {
              while (true) {
                try {
                  assertThat(ps.executeUpdate()).isEqualTo(rows);
                  break;
                } catch (SQLException e) {
                  if (!"40001".equals(e.getSQLState())) {
                    throw e;
                  }
                  // Not applied (the frontend's retries ran out): the application retries.
                }
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> f : clients) {
        f.get(5, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
