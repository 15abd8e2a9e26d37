package io.tessera.bench.ycsb;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.Vector;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.DBException;
import site.ycsb.Status;
import site.ycsb.StringByteIterator;

/**
 * A generic JDBC binding for YCSB: any JDBC URL, table {@code usertable(YCSB_KEY VARCHAR PRIMARY KEY,
 * FIELD0..FIELDn VARCHAR)}, every operation a prepared statement prepared once per client thread.
 *
 * <p>Properties: {@code db.url}, {@code db.user}, {@code db.passwd}, {@code db.driver} (DriverManager),
 * or {@code db.datasource}: the name under which a pool was {@link #register registered} in this JVM
 * (what the harness uses, so every peer is reached through the same HikariCP pool);
 * {@code db.batchsize} (default 1): inserts sent with {@code addBatch} / {@code executeBatch} in
 * groups of that size (the load phase). Usable with YCSB's own client:
 * {@code -db io.tessera.bench.ycsb.TesseraJdbcDb -p db.url=jdbc:tessera://127.0.0.1:2181/default}.
 */
public class TesseraJdbcDb extends DB {
    private static final Map<String, DataSource> DATA_SOURCES = new ConcurrentHashMap<>();

    private Connection connection;
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private int batchSize = 1;
    private PreparedStatement pendingInsert;
    private int pending;

    /** Makes a pool available to bindings created with {@code db.datasource=name}. */
    public static void register(String name, DataSource ds) {
        DATA_SOURCES.put(name, ds);
    }

    public static void unregister(String name) {
        DATA_SOURCES.remove(name);
    }

    @Override
    public void init() throws DBException {
        Properties p = getProperties();
        batchSize = Integer.parseInt(p.getProperty("db.batchsize", "1"));
        try {
            String dsName = p.getProperty("db.datasource");
            if (dsName != null) {
                DataSource ds = DATA_SOURCES.get(dsName);
                if (ds == null) {
                    throw new DBException("no data source registered as '" + dsName + "'");
                }
                connection = ds.getConnection();
            } else {
                String url = p.getProperty("db.url");
                if (url == null) {
                    throw new DBException("set db.url (or db.datasource)");
                }
                if (p.getProperty("db.driver") != null) {
                    Class.forName(p.getProperty("db.driver"));
                }
                connection = DriverManager.getConnection(url, p.getProperty("db.user", ""), p.getProperty("db.passwd", ""));
            }
            connection.setAutoCommit(true);
        } catch (SQLException | ClassNotFoundException e) {
            throw new DBException("cannot connect: " + e, e);
        }
    }

    @Override
    public void cleanup() throws DBException {
        try {
            flushInserts();
        } catch (SQLException e) {
            throw new DBException("final insert batch failed: " + e, e);
        } finally {
            for (PreparedStatement ps : statements.values()) {
                try {
                    ps.close();
                } catch (SQLException ignored) {
                    // closing anyway
                }
            }
            statements.clear();
            try {
                connection.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
    }

    private PreparedStatement ps(String sql) throws SQLException {
        PreparedStatement ps = statements.get(sql);
        if (ps == null) {
            ps = connection.prepareStatement(sql);
            statements.put(sql, ps);
        }
        return ps;
    }

    private static String column(String field) {
        return field.toUpperCase(Locale.ROOT);
    }

    private static String columns(Set<String> fields) {
        if (fields == null) {
            return "*";
        }
        StringBuilder sb = new StringBuilder();
        for (String f : fields) {
            sb.append(sb.length() == 0 ? "" : ", ").append(column(f));
        }
        return sb.toString();
    }

    @Override
    public Status read(String table, String key, Set<String> fields, Map<String, ByteIterator> result) {
        try {
            PreparedStatement ps = ps("SELECT " + columns(fields) + " FROM " + table + " WHERE YCSB_KEY = ?");
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Status.NOT_FOUND;
                }
                copyRow(rs, result);
            }
            return Status.OK;
        } catch (SQLException e) {
            return error("read", e);
        }
    }

    @Override
    public Status scan(String table, String startkey, int recordcount, Set<String> fields,
                       Vector<HashMap<String, ByteIterator>> result) {
        try {
            PreparedStatement ps = ps("SELECT " + columns(fields) + " FROM " + table
                    + " WHERE YCSB_KEY >= ? ORDER BY YCSB_KEY LIMIT ?");
            ps.setString(1, startkey);
            ps.setInt(2, recordcount);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    HashMap<String, ByteIterator> row = new HashMap<>();
                    copyRow(rs, row);
                    result.add(row);
                }
            }
            return Status.OK;
        } catch (SQLException e) {
            return error("scan", e);
        }
    }

    private static void copyRow(ResultSet rs, Map<String, ByteIterator> out) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            String v = rs.getString(i);
            out.put(md.getColumnLabel(i).toLowerCase(Locale.ROOT), new StringByteIterator(v == null ? "" : v));
        }
    }

    @Override
    public Status update(String table, String key, Map<String, ByteIterator> values) {
        try {
            List<String> names = new ArrayList<>(values.keySet());
            java.util.Collections.sort(names);
            StringBuilder sql = new StringBuilder("UPDATE ").append(table).append(" SET ");
            for (int i = 0; i < names.size(); i++) {
                sql.append(i == 0 ? "" : ", ").append(column(names.get(i))).append(" = ?");
            }
            PreparedStatement ps = ps(sql.append(" WHERE YCSB_KEY = ?").toString());
            int i = 1;
            for (String n : names) {
                ps.setString(i++, values.get(n).toString());
            }
            ps.setString(i, key);
            return ps.executeUpdate() == 1 ? Status.OK : Status.NOT_FOUND;
        } catch (SQLException e) {
            return error("update", e);
        }
    }

    @Override
    public Status insert(String table, String key, Map<String, ByteIterator> values) {
        try {
            List<String> names = new ArrayList<>(values.keySet());
            java.util.Collections.sort(names);
            StringBuilder sql = new StringBuilder("INSERT INTO ").append(table).append(" (YCSB_KEY");
            for (String n : names) {
                sql.append(", ").append(column(n));
            }
            sql.append(") VALUES (?");
            for (int i = 0; i < names.size(); i++) {
                sql.append(", ?");
            }
            PreparedStatement ps = ps(sql.append(')').toString());
            ps.setString(1, key);
            int i = 2;
            for (String n : names) {
                ps.setString(i++, values.get(n).toString());
            }
            if (batchSize <= 1) {
                return ps.executeUpdate() == 1 ? Status.OK : Status.ERROR;
            }
            if (pendingInsert != null && pendingInsert != ps) {
                flushInserts();
            }
            ps.addBatch();
            pendingInsert = ps;
            if (++pending >= batchSize) {
                flushInserts();
            }
            return Status.BATCHED_OK;
        } catch (SQLException e) {
            return error("insert", e);
        }
    }

    private void flushInserts() throws SQLException {
        if (pendingInsert != null && pending > 0) {
            pendingInsert.executeBatch();
        }
        pendingInsert = null;
        pending = 0;
    }

    @Override
    public Status delete(String table, String key) {
        try {
            PreparedStatement ps = ps("DELETE FROM " + table + " WHERE YCSB_KEY = ?");
            ps.setString(1, key);
            return ps.executeUpdate() == 1 ? Status.OK : Status.NOT_FOUND;
        } catch (SQLException e) {
            return error("delete", e);
        }
    }

    private Status error(String op, SQLException e) {
        if (Boolean.getBoolean("tessera.bench.verbose")) {
            System.err.println("ycsb " + op + " failed: " + e);
        }
        lastError = op + ": " + e.getMessage();
        return Status.ERROR;
    }

    private static volatile String lastError;

    /** The message of the most recent failed operation in this JVM, for the report. */
    public static String lastError() {
        return lastError;
    }
}
