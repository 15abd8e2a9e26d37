package io.tessera.jdbc;

import io.tessera.sql.jdbc.FrontendDriver;
import io.tessera.sql.route.FailoverBudget;
import java.sql.Connection;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.calcite.avatica.AvaticaConnection;
import org.apache.calcite.avatica.AvaticaStatement;
import org.apache.calcite.avatica.Handler;

/**
 * The Tessera JDBC driver. URLs (see {@link TesseraUrl}):
 * <pre>
 *   jdbc:tessera://zk1:2181,zk2:2181/db[;key=value]*   a running cluster; db = cluster name
 *   jdbc:tessera:local:/path/to/dir[;key=value]*       an embedded cluster persisted in dir
 *   jdbc:tessera:mem:name[;key=value]*                 an embedded in-memory cluster
 * </pre>
 * A URL is turned into the frontend's connection properties {@value #ZK} and {@value #CLUSTER}
 * (over the frontend's defaults); every other parameter, and every {@link Properties} entry, is
 * passed through (URL parameters win over Properties). Embedded URLs start their cluster on first use and
 * share it afterwards; see {@link EmbeddedClusters} for when it stops. {@code user} and
 * {@code password} are accepted and not checked.
 */
public class TesseraDriver extends FrontendDriver {
    /** Connections to embedded clusters, with the lease each holds until it closes. */
    private static final Map<AvaticaConnection, EmbeddedClusters.Lease> leases =
            Collections.synchronizedMap(new IdentityHashMap<>());

    /** The URL being connected on this thread, see {@link #getConnectStringPrefix()}. */
    private static final ThreadLocal<String> connecting = new ThreadLocal<>();

    private static final TesseraDriver INSTANCE = new TesseraDriver();

    static {
        INSTANCE.register();
    }

    /** The instance registered with {@link java.sql.DriverManager}. */
    public static TesseraDriver instance() {
        return INSTANCE;
    }

    public TesseraDriver() {
        super();
    }

    @Override
    public boolean acceptsURL(String url) {
        return TesseraUrl.accepts(url);
    }

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        if (!acceptsURL(url)) {
            return null;
        }
        TesseraUrl u = TesseraUrl.parse(url);
        Properties props = new Properties();
        if (info != null) {
            props.putAll(info);
        }
        props.putAll(u.parameters());
        EmbeddedClusters.Lease lease = null;
        if (u.embedded()) {
            lease = EmbeddedClusters.acquire(u, info);
            props.setProperty(ZK, lease.cluster().zkConnect());
            props.setProperty(CLUSTER, lease.cluster().cluster());
        } else {
            props.setProperty(ZK, u.zkConnect());
            props.setProperty(CLUSTER, u.cluster());
        }
        connecting.set(url);
        try {
            // The frontend's connect (Calcite settings, JDBC proxies) over our parsed properties.
            Connection connection = super.connect(url, props);
            if (connection == null) {
                throw TesseraUrl.malformed(url, "not accepted by the SQL frontend");
            }
            if (lease != null) {
                leases.put(connection.unwrap(AvaticaConnection.class), lease);
            }
            return connection;
        } catch (SQLException | RuntimeException e) {
            if (lease != null) {
                lease.release();
            }
            throw e;
        } finally {
            connecting.remove();
        }
    }

    /**
     * While {@link #connect} delegates, the whole URL, so that Calcite's connect finds no
     * {@code key=value;} pairs after the "prefix" (our URLs are not in that syntax; the properties
     * are already parsed) and the connection still reports the URL the application gave.
     */
    @Override
    protected String getConnectStringPrefix() {
        String url = connecting.get();
        return url != null ? url : super.getConnectStringPrefix();
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) throws SQLException {
        // Calcite's implementation re-parses the URL as "k=v;" pairs, which ours are not.
        return new DriverPropertyInfo[] {
            property(EmbeddedClusters.NODES, info, "shard nodes of an embedded (local:/mem:) cluster", "3"),
            property(EmbeddedClusters.REPLICAS, info,
                    "embedded clusters: default replicas per shard; 0 = 3, or the number of nodes when smaller", "0"),
            property(FailoverBudget.PROPERTY, info,
                    "milliseconds a read or write follows its shard's route through a failover before failing with 08006",
                    String.valueOf(FailoverBudget.DEFAULT_BUDGET.toMillis())),
            property(EmbeddedClusters.CLOSE_DELAY, info,
                    "embedded clusters: seconds to keep running after the last connection closes; -1 = until JVM exit",
                    "-1"),
            property(EmbeddedClusters.ZK_PORT, info, "embedded clusters: ZooKeeper port, 0 = free", "0"),
            property(EmbeddedClusters.DURABILITY, info, "local: clusters: sync or memory", "sync"),
        };
    }

    private static DriverPropertyInfo property(String key, Properties info, String description, String dflt) {
        DriverPropertyInfo p = new DriverPropertyInfo(key, info == null ? dflt : info.getProperty(key, dflt));
        p.description = description;
        return p;
    }

    @Override
    protected Handler createHandler() {
        // Runs from the superclass constructor: only static state here.
        return new LeaseReleasingHandler(super.createHandler());
    }

    /** Releases a connection's embedded-cluster lease when the connection closes. */
    private static final class LeaseReleasingHandler implements Handler {
        private final Handler delegate;

        LeaseReleasingHandler(Handler delegate) {
            this.delegate = delegate;
        }

        @Override
        public void onConnectionInit(AvaticaConnection connection) throws SQLException {
            delegate.onConnectionInit(connection);
        }

        @Override
        public void onConnectionClose(AvaticaConnection connection) {
            try {
                delegate.onConnectionClose(connection);
            } finally {
                EmbeddedClusters.Lease lease = leases.remove(connection);
                if (lease != null) {
                    lease.release();
                }
            }
        }

        @Override
        public void onStatementExecute(AvaticaStatement statement, ResultSink resultSink) {
            delegate.onStatementExecute(statement, resultSink);
        }

        @Override
        public void onStatementClose(AvaticaStatement statement) {
            delegate.onStatementClose(statement);
        }
    }
}
