package io.tessera.sql.jdbc;

import io.tessera.sql.exec.ClusterReads;
import io.tessera.sql.meta.ClusterClient;
import io.tessera.sql.meta.ClusterClients;
import io.tessera.sql.error.TesseraException;
import io.tessera.sql.route.FailoverBudget;
import io.tessera.sql.schema.TesseraSchema;
import io.tessera.sql.sys.SysSchema;
import io.tessera.sql.txn.SnapshotSetting;
import io.tessera.sql.txn.TxnOptions;
import io.tessera.sql.txn.TxnSession;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.calcite.avatica.AvaticaConnection;
import org.apache.calcite.avatica.HandlerImpl;
import org.apache.calcite.jdbc.CalciteConnection;

/**
 * Binds each connection to its cluster: on open, acquires the (shared, reference-counted)
 * {@link ClusterClient} named by the connection properties {@value FrontendDriver#ZK} and
 * {@value FrontendDriver#CLUSTER}, adds the cluster's {@link TesseraSchema} as schema
 * {@value FrontendDriver#SCHEMA} and makes it the default; on close, releases the client.
 */
class ClusterConnectionHandler extends HandlerImpl {
  private final Map<AvaticaConnection, ClusterClient> clients = new ConcurrentHashMap<>();

  @Override public void onConnectionInit(AvaticaConnection connection) throws SQLException {
    CalciteConnection calcite = connection.unwrap(CalciteConnection.class);
    Properties info = calcite.getProperties();
    String zk = info.getProperty(FrontendDriver.ZK);
    String cluster = info.getProperty(FrontendDriver.CLUSTER);
    if (zk == null || zk.isEmpty() || cluster == null || cluster.isEmpty()) {
      throw new SQLException("Connection properties " + FrontendDriver.ZK + " and "
          + FrontendDriver.CLUSTER + " are required", "08001");
    }
    FailoverBudget failover;
    TxnOptions txnOptions;
    try {
      failover = FailoverBudget.fromProperties(info);
      txnOptions = TxnOptions.fromProperties(info);
      ConflictRetry.fromProperties(info); // a bad value fails the connection, not its statements
    } catch (TesseraException e) {
      throw new SQLException(e.getMessage(), e.sqlState(), e);
    }
    ClusterClient client;
    try {
      client = ClusterClients.acquire(zk, cluster);
    } catch (Exception e) {
      throw new SQLException("Cannot connect to cluster " + cluster + " at " + zk + ": "
          + e.getMessage(), "08001", e);
    }
    try {
      TxnSession session = new TxnSession(connection, client, failover, txnOptions);
      TesseraSchema.attach(calcite.getRootSchema(), client, failover, session);
      SysSchema.attach(calcite.getRootSchema(), client);
      calcite.setSchema(FrontendDriver.SCHEMA);
      session.setSnapshot(SnapshotSetting.fromProperty(
          info.getProperty(SnapshotSetting.PROPERTY), calcite.config().timeZone(),
          ClusterReads.of(client)));
    } catch (TesseraException e) {
      client.close();
      throw new SQLException(e.getMessage(), e.sqlState(), e);
    } catch (RuntimeException | SQLException e) {
      client.close();
      throw e;
    }
    clients.put(connection, client);
  }

  @Override public void onConnectionClose(AvaticaConnection connection) {
    ClusterClient client = clients.remove(connection);
    if (client != null) {
      client.close();
    }
  }
}
