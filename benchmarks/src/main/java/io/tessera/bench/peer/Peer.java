package io.tessera.bench.peer;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;

/**
 * One system under test, started by the harness on loopback and stopped by {@link #close()}.
 * Every peer gets the same logical schema; {@link #ddl} adapts a statement to the peer's dialect
 * (e.g. Tessera's {@code SHARD BY}). All statements the workloads send are the same for every peer.
 */
public interface Peer extends AutoCloseable {

    /** Short id used on the command line and in reports: h2, h2tcp, postgres, shardingsphere, tessera. */
    String id();

    /** Human-readable name for tables and charts. */
    String displayName();

    /** Starts the system; {@code workDir} is an empty directory this peer may use for its data. */
    void start(Path workDir) throws Exception;

    /** The JDBC URL clients use. */
    String jdbcUrl();

    /** Connection properties (user, password, ...). */
    default Properties connectionProperties() {
        return new Properties();
    }

    /**
     * A data source to pool instead of {@link #jdbcUrl()} (ShardingSphere's, so it can be closed);
     * null = connect through the driver.
     */
    default javax.sql.DataSource dataSource() throws Exception {
        return null;
    }

    /** JDBC driver class, so HikariCP and DriverManager find it without service loading surprises. */
    String driverClassName();

    /** How durable a commit is on this peer, in one line, for the report. */
    String durability();

    /** Isolation level the peer runs the workloads at, in one line, for the report. */
    default String isolation() {
        return "READ COMMITTED (default)";
    }

    /**
     * Rewrites a {@code CREATE TABLE} of the shared schema for this peer. {@code shardKey} is the
     * column list the distributed peers shard by.
     */
    default String createTable(String createTable, String shardKey) {
        return createTable;
    }

    /** Runs schema statements (already adapted with {@link #createTable}). */
    default void executeDdl(List<String> statements) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl(), connectionProperties());
             Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    /** Called after the schema exists and before the workloads connect (ShardingSphere reads metadata then). */
    default void schemaReady() throws Exception {}

    /** Extra facts for the report (process layout, shard count, ...). */
    default String notes() {
        return "";
    }

    @Override
    void close();
}
