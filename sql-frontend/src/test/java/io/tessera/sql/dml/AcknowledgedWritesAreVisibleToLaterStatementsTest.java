package io.tessera.sql.dml;

import static io.tessera.sql.jdbc.TesseraTestConnections.execute;
import static io.tessera.sql.jdbc.TesseraTestConnections.query;
import static io.tessera.sql.jdbc.TesseraTestConnections.update;
import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.sql.jdbc.ClusterTestBase;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Read-your-writes across connections now that autocommit writes to one shard take their commit
 * timestamp on the shard, not from the oracle: a write acknowledged on one connection is seen by
 * every statement that starts afterwards on another, whether it reads the latest state of one
 * shard, several shards at an oracle timestamp, or inside a transaction begun afterwards.
 */
class AcknowledgedWritesAreVisibleToLaterStatementsTest extends ClusterTestBase {
  private static final int ROUNDS = 30;

  @Test void everyAcknowledgedWriteIsSeenByTheNextStatementOnAnotherConnection()
      throws SQLException {
    try (Connection writer = connect(); Connection reader = connect()) {
      execute(writer, "CREATE TABLE seen (id INT PRIMARY KEY, v INT) SHARDS 4");
      long sum = 0;
      for (int i = 1; i <= ROUNDS; i++) {
        assertThat(update(writer, "INSERT INTO seen VALUES (" + i + ", " + i + ")")).isEqualTo(1);
        sum += i;
        assertThat(query(reader, "SELECT v FROM seen WHERE id = " + i))
            .as("single-shard read after insert %d", i).containsExactly(List.of(i));
        assertThat(query(reader, "SELECT COUNT(*), SUM(v) FROM seen"))
            .as("multi-shard read after insert %d", i).containsExactly(List.of((long) i, sum));

        assertThat(update(writer, "UPDATE seen SET v = v + 1000 WHERE id = " + i)).isEqualTo(1);
        sum += 1000;
        assertThat(query(reader, "SELECT v FROM seen WHERE id = " + i))
            .as("single-shard read after update %d", i).containsExactly(List.of(i + 1000));
        assertThat(query(reader, "SELECT SUM(v) FROM seen"))
            .as("multi-shard read after update %d", i).containsExactly(List.of(sum));

        if (i % 10 == 0) {
          reader.setAutoCommit(false);
          assertThat(query(reader, "SELECT COUNT(*), SUM(v) FROM seen"))
              .as("transaction begun after round %d", i).containsExactly(List.of((long) i, sum));
          reader.commit();
          reader.setAutoCommit(true);
        }
      }

      // A write of several shards (an implicit transaction), then reads of one shard each.
      assertThat(update(writer, "UPDATE seen SET v = 0 WHERE id <= 8")).isEqualTo(8);
      for (int i = 1; i <= 8; i++) {
        assertThat(query(reader, "SELECT v FROM seen WHERE id = " + i)).containsExactly(List.of(0));
      }
      assertThat(update(writer, "DELETE FROM seen WHERE id <= 8")).isEqualTo(8);
      assertThat(query(reader, "SELECT COUNT(*) FROM seen"))
          .containsExactly(List.of((long) ROUNDS - 8));
      execute(writer, "DROP TABLE seen");
    }
  }
}
