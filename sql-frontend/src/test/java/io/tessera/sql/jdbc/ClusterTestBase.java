package io.tessera.sql.jdbc;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tessera.sql.testing.LocalClusterFixture;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Starts one in-process cluster (ZooKeeper, coordinator, 3 shard nodes) per test class. */
public abstract class ClusterTestBase {
  protected static LocalClusterFixture cluster;

  @BeforeAll static void startCluster() throws Exception {
    cluster = LocalClusterFixture.start(3);
  }

  @AfterAll static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
      cluster = null;
    }
  }

  protected static Connection connect() throws SQLException {
    return TesseraTestConnections.connect(cluster.zkConnect(), cluster.clusterName());
  }

  /** Something that throws SQLException. */
  @FunctionalInterface
  public interface SqlAction {
    void run() throws Exception;
  }

  /** The SQLState of the SQLException {@code action} throws (fails if it throws none). */
  public static String stateOf(SqlAction action) {
    AtomicReference<String> state = new AtomicReference<>();
    assertThatThrownBy(action::run).isInstanceOf(SQLException.class)
        .satisfies(e -> state.set(((SQLException) e).getSQLState()));
    return state.get();
  }
}
