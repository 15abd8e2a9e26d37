package io.tessera.sql.jdbc;

import io.tessera.sql.ddl.TesseraDdlExecutor;
import io.tessera.sql.parser.TesseraSqlParser;
import io.tessera.sql.planner.CalciteSystemDefaults;
import io.tessera.sql.schema.TesseraTypeSystem;
import io.tessera.sql.txn.SnapshotSetting;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import org.apache.calcite.avatica.AvaticaConnection;
import org.apache.calcite.avatica.DriverVersion;
import org.apache.calcite.avatica.Handler;
import org.apache.calcite.avatica.Meta;
import org.apache.calcite.config.CalciteConnectionProperty;
import org.apache.calcite.jdbc.Driver;
import org.apache.calcite.sql.parser.SqlParserImplFactory;

/**
 * Tessera's JDBC driver core: Calcite's driver with Tessera's parser (DDL), planner rules, Meta
 * (transactions, SQLStates, key metadata) and a per-connection binding to a cluster.
 *
 * <p>It does not register itself with {@link java.sql.DriverManager}; the public driver
 * ({@code jdbc-driver} module) extends or wraps it.
 *
 * <p>Connection properties (in {@link Properties} or as {@code key=value;} pairs after the
 * {@value #CONNECT_STRING_PREFIX} prefix):
 * <ul>
 *   <li>{@value #ZK} (required): ZooKeeper connect string of the cluster, e.g.
 *       {@code zk1:2181,zk2:2181};</li>
 *   <li>{@value #CLUSTER} (required): the cluster's namespace in ZooKeeper;</li>
 *   <li>{@value io.tessera.sql.route.FailoverBudget#PROPERTY} (default 30000): how many
 *       milliseconds a read or write keeps following its shard's route through a failover
 *       before it fails with 08006 ({@link io.tessera.sql.route.FailoverBudget});</li>
 *   <li>{@value io.tessera.sql.txn.TxnOptions#LOCK_WAIT} (default 1000): how many milliseconds a
 *       write waits for another transaction's lock before it fails with 40001;</li>
 *   <li>{@value ConflictRetry#PROPERTY} (default {@value ConflictRetry#DEFAULT_RETRIES}): how
 *       many times an autocommit statement that failed with 40001 runs again
 *       ({@link ConflictRetry});</li>
 *   <li>{@value io.tessera.sql.txn.TxnOptions#TTL} (default 3000): how long the locks of this
 *       connection's transactions survive without a heartbeat
 *       ({@link io.tessera.sql.txn.TxnOptions});</li>
 *   <li>{@value io.tessera.sql.txn.SnapshotSetting#PROPERTY} (default none): a past time the
 *       connection reads at, as after {@code SET SNAPSHOT_TIMESTAMP}
 *       ({@link io.tessera.sql.txn.SnapshotSetting}).</li>
 * </ul>
 * Besides the schema {@code PUBLIC}, every connection has the read-only schema {@code SYS}
 * ({@code SYS.NODES}, {@code SYS.SHARDS}: {@link io.tessera.sql.sys.SysSchema}).
 * Identifiers follow standard SQL: unquoted ones are upper-cased, double quotes keep the case, and
 * matching is case-sensitive after that. The default schema is {@code PUBLIC}.
 *
 * <p>Connections are thin proxies over Calcite's (they still implement and unwrap to
 * {@link org.apache.calcite.jdbc.CalciteConnection}) that add {@code getGeneratedKeys()}.
 */
public class FrontendDriver extends Driver {
  public static final String CONNECT_STRING_PREFIX = "jdbc:tessera:";
  /** Connection property: ZooKeeper connect string. */
  public static final String ZK = "tessera.zk";
  /** Connection property: the cluster's ZooKeeper namespace. */
  public static final String CLUSTER = "tessera.cluster";
  /** The schema holding Tessera's tables and views. */
  public static final String SCHEMA = "PUBLIC";
  /**
   * Tessera's parser; its DDL goes to Tessera's executor, and {@code SET SNAPSHOT_TIMESTAMP} to
   * the connection's session ({@link SnapshotSetting}).
   */
  public static final SqlParserImplFactory PARSER_FACTORY =
      TesseraSqlParser.factory(new SnapshotSetting(TesseraDdlExecutor.INSTANCE));

  static {
    CalciteSystemDefaults.apply();
  }

  public FrontendDriver() {
    super(TesseraPrepare::new);
  }

  @Override protected String getConnectStringPrefix() {
    return CONNECT_STRING_PREFIX;
  }

  @Override protected DriverVersion createDriverVersion() {
    return new DriverVersion("Tessera JDBC Driver", "0.1", "Tessera", "0.1", false, 0, 1, 0, 1);
  }

  @Override protected Handler createHandler() {
    return new ClusterConnectionHandler();
  }

  @Override public Meta createMeta(AvaticaConnection connection) {
    return new TesseraMeta(connection);
  }

  @Override public Connection connect(String url, Properties info) throws SQLException {
    if (!acceptsURL(url)) {
      return null;
    }
    Connection connection = super.connect(url, withDefaults(info));
    return connection == null ? null : JdbcProxies.connection(connection);
  }

  /** Tessera's Calcite settings, under anything the caller set explicitly. */
  public static Properties withDefaults(Properties info) {
    Properties p = new Properties();
    p.setProperty(CalciteConnectionProperty.PARSER_FACTORY.camelName(),
        FrontendDriver.class.getName() + "#PARSER_FACTORY");
    p.setProperty(CalciteConnectionProperty.QUOTING.camelName(), "DOUBLE_QUOTE");
    p.setProperty(CalciteConnectionProperty.UNQUOTED_CASING.camelName(), "TO_UPPER");
    p.setProperty(CalciteConnectionProperty.QUOTED_CASING.camelName(), "UNCHANGED");
    p.setProperty(CalciteConnectionProperty.CASE_SENSITIVE.camelName(), "true");
    // SUM/AVG typed so that they do not overflow their argument's type.
    p.setProperty(CalciteConnectionProperty.TYPE_SYSTEM.camelName(),
        TesseraTypeSystem.class.getName() + "#INSTANCE");
    if (info != null) {
      p.putAll(info);
    }
    return p;
  }
}
