package io.tessera.sql.dml;

import static io.tessera.sql.jdbc.TesseraTestConnections.execute;
import static io.tessera.sql.jdbc.TesseraTestConnections.query;
import static io.tessera.sql.jdbc.TesseraTestConnections.rows;
import static io.tessera.sql.jdbc.TesseraTestConnections.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tessera.protocol.codec.KeyCodec;
import io.tessera.protocol.meta.ShardHash;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.sql.jdbc.ClusterTestBase;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Primary-key UPDATEs that move rows between shards, and prepared INSERT batches sent as one
 * write per shard.
 */
class KeyChangesAndBatchesTest extends ClusterTestBase {
  private static final int SHARDS = 8;

  /** The shard ordinal of an INT primary (and shard) key in a table of {@link #SHARDS} shards. */
  private static int shardOf(int id) {
    long hash = ShardHash.hash(KeyCodec.encodeTuple(new ColumnType[] {ColumnType.INTEGER},
        new Object[] {id}));
    for (int i = 0; i < SHARDS; i++) {
      if (ShardHash.contains(ShardHash.rangeStart(i, SHARDS), ShardHash.rangeEnd(i, SHARDS),
          hash)) {
        return i;
      }
    }
    throw new AssertionError("no shard holds " + id);
  }

  private static List<List<Object>> all(Connection c) throws SQLException {
    return query(c, "SELECT id, name FROM customers ORDER BY id");
  }

  @Test void failedKeyUpdateKeepsTheRowAndASucceedingOneMovesIt() throws SQLException {
    try (Connection c = connect()) {
      execute(c, "CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(20)) SHARDS "
          + SHARDS);
      StringBuilder values = new StringBuilder();
      for (int i = 1; i <= 40; i++) {
        values.append(i == 1 ? "" : ", ").append("(").append(i).append(", 'c").append(i)
            .append("')");
      }
      update(c, "INSERT INTO customers VALUES " + values);
      List<List<Object>> before = all(c);
      assertThat(before).hasSize(40);
      int crossShard = 0;
      int sameShard = 0;
      for (int k = 2; k <= 40; k++) {
        int id = k;
        if (shardOf(id) == shardOf(1)) {
          sameShard++;
        } else {
          crossShard++;
        }
        assertThat(stateOf(() -> update(c, "UPDATE customers SET id = 1 WHERE id = " + id)))
            .isEqualTo("23505");
        assertThat(all(c)).as("after the failed key update of row %d", id).isEqualTo(before);
      }
      assertThat(crossShard).isPositive();
      assertThat(sameShard).isPositive();

      // A chain of moves (each new key is another row's old key) that fails at its end: 11 exists.
      assertThat(stateOf(() -> update(c,
          "UPDATE customers SET id = id + 1 WHERE id BETWEEN 3 AND 10"))).isEqualTo("23505");
      assertThat(all(c)).isEqualTo(before);

      // Succeeding moves: one row, then a chain over many shards.
      assertThat(shardOf(22)).isNotEqualTo(shardOf(100));
      assertThat(update(c, "UPDATE customers SET id = 100 WHERE id = 22")).isEqualTo(1);
      assertThat(query(c, "SELECT id, name FROM customers WHERE id IN (22, 100)"))
          .containsExactly(List.of(100, "c22"));
      assertThat(update(c, "UPDATE customers SET id = id + 1 WHERE id BETWEEN 30 AND 40"))
          .isEqualTo(11);
      List<List<Object>> expected = new ArrayList<>();
      for (List<Object> row : before) {
        int id = (Integer) row.get(0);
        if (id == 22) {
          continue;
        }
        expected.add(List.of(id >= 30 ? id + 1 : id, row.get(1)));
      }
      expected.add(List.of(100, "c22"));
      assertThat(all(c)).isEqualTo(expected);

      // Swapping keys within and across shards still works (one round, as before).
      assertThat(update(c, "UPDATE customers SET id = CASE id WHEN 1 THEN 2 ELSE 1 END"
          + " WHERE id IN (1, 2)")).isEqualTo(2);
      assertThat(query(c, "SELECT id, name FROM customers WHERE id IN (1, 2) ORDER BY id"))
          .containsExactly(List.of(1, "c2"), List.of(2, "c1"));
      execute(c, "DROP TABLE customers");
    }
  }

  @Test void preparedInsertBatchIsOneWritePerShard() throws SQLException {
    try (Connection c = connect()) {
      execute(c, "CREATE TABLE one_shard (k INT PRIMARY KEY, v VARCHAR(10)) SHARDS 1");
      update(c, "INSERT INTO one_shard VALUES (7, 'old')");
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO one_shard VALUES (?, ?)")) {
        for (int k : new int[] {1, 2, 3, 7}) {
          ps.setInt(1, k);
          ps.setString(2, "new");
          ps.addBatch();
        }
        // The last parameter set collides: the one shard gets all four rows in one batch, which
        // it applies all or nothing. (Executed set by set, rows 1..3 would have stayed.)
        assertThatThrownBy(ps::executeBatch).isInstanceOf(BatchUpdateException.class)
            .satisfies(e -> {
              BatchUpdateException b = (BatchUpdateException) e;
              assertThat(b.getSQLState()).isEqualTo("23505");
              assertThat(b.getUpdateCounts()).containsExactly(Statement.EXECUTE_FAILED,
                  Statement.EXECUTE_FAILED, Statement.EXECUTE_FAILED, Statement.EXECUTE_FAILED);
            });
        assertThat(query(c, "SELECT k, v FROM one_shard")).containsExactly(List.of(7, "old"));

        for (int k = 10; k < 20; k++) {
          ps.setInt(1, k);
          ps.setString(2, "v" + k);
          ps.addBatch();
        }
        assertThat(ps.executeBatch()).hasSize(10).containsOnly(1);
      }
      assertThat(query(c, "SELECT COUNT(*) FROM one_shard")).containsExactly(List.of(11L));

      // A batch over several shards, with generated keys (hidden row ids).
      execute(c, "CREATE TABLE batch_log (msg VARCHAR(10)) SHARDS 4");
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO batch_log VALUES (?)",
          Statement.RETURN_GENERATED_KEYS)) {
        for (int i = 0; i < 25; i++) {
          ps.setString(1, "m" + i);
          ps.addBatch();
        }
        assertThat(ps.executeBatch()).hasSize(25).containsOnly(1);
        try (ResultSet keys = ps.getGeneratedKeys()) {
          List<List<Object>> ids = rows(keys);
          assertThat(ids).hasSize(25);
          assertThat(ids.stream().map(r -> r.get(0)).distinct()).hasSize(25);
        }
      }
      assertThat(query(c, "SELECT COUNT(*), COUNT(DISTINCT msg) FROM batch_log"))
          .containsExactly(List.of(25L, 25L));

      // INSERT ... SELECT reads the table: each parameter set sees the previous ones' rows.
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO one_shard SELECT MAX(k) + 1, ? FROM one_shard")) {
        for (int i = 0; i < 3; i++) {
          ps.setString(1, "s" + i);
          ps.addBatch();
        }
        assertThat(ps.executeBatch()).containsExactly(1, 1, 1);
      }
      assertThat(query(c, "SELECT k, v FROM one_shard WHERE k >= 20 ORDER BY k"))
          .containsExactly(List.of(20, "s0"), List.of(21, "s1"), List.of(22, "s2"));
      execute(c, "DROP TABLE one_shard");
      execute(c, "DROP TABLE batch_log");
    }
  }
}
