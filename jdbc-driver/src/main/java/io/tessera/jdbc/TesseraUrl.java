package io.tessera.jdbc;

import io.tessera.protocol.meta.ZkPaths;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * A parsed Tessera JDBC URL. Three forms, each optionally followed by {@code ;key=value} parameters:
 * <pre>
 *   jdbc:tessera://zk1:2181,zk2:2181/db   a cluster registered in those ZooKeeper servers; db = cluster
 *                                         name (default "default"); a host without a port means 2181
 *   jdbc:tessera:local:/path/to/dir       an embedded cluster in this JVM, persisted in dir
 *   jdbc:tessera:mem:name                 an embedded in-memory cluster in this JVM
 * </pre>
 *
 * @param kind       which of the three forms
 * @param zkConnect  ZooKeeper connect string (REMOTE only, else null)
 * @param cluster    cluster name: the db of a REMOTE URL, {@value ZkPaths#DEFAULT_CLUSTER} for embedded ones
 * @param path       the data directory of a LOCAL URL as written (else null)
 * @param name       the database name of a MEM URL (else null)
 * @param parameters the {@code ;key=value} parameters in URL order (keys as written)
 */
public record TesseraUrl(
        Kind kind, String zkConnect, String cluster, Path path, String name, Map<String, String> parameters) {

    public static final String PREFIX = "jdbc:tessera:";
    public static final int DEFAULT_ZK_PORT = 2181;

    /** SQLState of "unable to establish connection", used for malformed URLs. */
    static final String SQLSTATE_CONNECTION = "08001";

    private static final Pattern DB_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9_.-]+|\\[[0-9A-Fa-f:.]+]");

    public enum Kind {
        /** {@code jdbc:tessera://hosts/db}. */
        REMOTE("//"),
        /** {@code jdbc:tessera:local:dir}. */
        LOCAL("local:"),
        /** {@code jdbc:tessera:mem:name}. */
        MEM("mem:");

        final String tag;

        Kind(String tag) {
            this.tag = tag;
        }
    }

    public TesseraUrl {
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /**
     * Whether {@code url} is one of the three Tessera forms, judged by its beginning only; the rest is
     * checked by {@link #parse}, so a malformed Tessera URL reaches the driver and gets a clear error
     * instead of "no suitable driver".
     */
    public static boolean accepts(String url) {
        if (url == null || !url.startsWith(PREFIX)) {
            return false;
        }
        for (Kind k : Kind.values()) {
            if (url.startsWith(k.tag, PREFIX.length())) {
                return true;
            }
        }
        return false;
    }

    /** Parses a URL; a malformed one fails with SQLState {@value #SQLSTATE_CONNECTION}. */
    public static TesseraUrl parse(String url) throws SQLException {
        if (!accepts(url)) {
            throw malformed(url, "expected jdbc:tessera://host:port[,host:port]*[/db], "
                    + "jdbc:tessera:local:<dir> or jdbc:tessera:mem:<name>");
        }
        String rest = url.substring(PREFIX.length());
        int semi = rest.indexOf(';');
        String body = semi < 0 ? rest : rest.substring(0, semi);
        Map<String, String> params = semi < 0 ? Map.of() : parseParameters(url, rest.substring(semi + 1));

        if (body.startsWith(Kind.REMOTE.tag)) {
            String hostsAndDb = body.substring(Kind.REMOTE.tag.length());
            int slash = hostsAndDb.indexOf('/');
            String hosts = slash < 0 ? hostsAndDb : hostsAndDb.substring(0, slash);
            String db = slash < 0 ? "" : hostsAndDb.substring(slash + 1);
            if (db.isEmpty()) {
                db = ZkPaths.DEFAULT_CLUSTER;
            } else if (!DB_NAME.matcher(db).matches()) {
                throw malformed(url, "bad database (cluster) name '" + db
                        + "': use letters, digits, '_', '.' and '-'");
            }
            return new TesseraUrl(Kind.REMOTE, parseHosts(url, hosts), db, null, null, params);
        }
        if (body.startsWith(Kind.LOCAL.tag)) {
            String dir = body.substring(Kind.LOCAL.tag.length());
            if (dir.isBlank()) {
                throw malformed(url, "missing directory after 'local:'");
            }
            Path path;
            try {
                path = Paths.get(dir);
            } catch (RuntimeException e) {
                throw malformed(url, "bad directory '" + dir + "': " + e.getMessage());
            }
            return new TesseraUrl(Kind.LOCAL, null, ZkPaths.DEFAULT_CLUSTER, path, null, params);
        }
        String name = body.substring(Kind.MEM.tag.length());
        if (!DB_NAME.matcher(name).matches()) {
            throw malformed(url, name.isEmpty() ? "missing database name after 'mem:'"
                    : "bad database name '" + name + "': use letters, digits, '_', '.' and '-'");
        }
        return new TesseraUrl(Kind.MEM, null, ZkPaths.DEFAULT_CLUSTER, null, name, params);
    }

    /** The cluster's ZooKeeper servers, each {@code host:port}, comma-separated. */
    private static String parseHosts(String url, String hosts) throws SQLException {
        if (hosts.isEmpty()) {
            throw malformed(url, "missing ZooKeeper host after '//'");
        }
        List<String> out = new ArrayList<>();
        for (String hp : hosts.split(",", -1)) {
            String host = hp;
            int port = DEFAULT_ZK_PORT;
            int colon = hp.lastIndexOf(':');
            if (colon >= 0 && hp.indexOf(']', colon) < 0) {
                host = hp.substring(0, colon);
                String p = hp.substring(colon + 1);
                try {
                    port = Integer.parseInt(p);
                } catch (NumberFormatException e) {
                    throw malformed(url, "bad port '" + p + "' in '" + hp + "'");
                }
                if (port < 1 || port > 65535) {
                    throw malformed(url, "port out of range in '" + hp + "'");
                }
            }
            if (!HOST.matcher(host).matches()) {
                throw malformed(url, host.isEmpty() ? "empty host in '" + hosts + "'" : "bad host '" + host + "'");
            }
            out.add(host + ":" + port);
        }
        return String.join(",", out);
    }

    private static Map<String, String> parseParameters(String url, String text) throws SQLException {
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : text.split(";")) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw malformed(url, "parameter '" + pair + "' is not key=value");
            }
            String key = pair.substring(0, eq).trim();
            if (params.put(key, pair.substring(eq + 1).trim()) != null) {
                throw malformed(url, "parameter '" + key + "' given twice");
            }
        }
        return params;
    }

    static SQLException malformed(String url, String why) {
        return new SQLException("Malformed Tessera URL '" + url + "': " + why, SQLSTATE_CONNECTION);
    }

    /** True for the two forms that run a cluster inside this JVM. */
    public boolean embedded() {
        return kind != Kind.REMOTE;
    }

    /**
     * Identifies an embedded cluster within this JVM: {@code mem:<name>} or {@code local:<absolute,
     * normalized dir>}, so that {@code local:./d} and {@code local:d} share one cluster.
     */
    public String embeddedKey() {
        return switch (kind) {
            case MEM -> Kind.MEM.tag + name;
            case LOCAL -> Kind.LOCAL.tag + path.toAbsolutePath().normalize();
            case REMOTE -> throw new IllegalStateException("not an embedded URL: " + this);
        };
    }

    /** A parameter from the URL, else from {@code info}, else {@code fallback}. */
    public String parameter(String key, Properties info, String fallback) {
        String v = parameters.get(key);
        if (v == null && info != null) {
            v = info.getProperty(key);
        }
        return v == null ? fallback : v;
    }

    /** An integer parameter (URL, then {@code info}); a malformed value fails with 08001. */
    public int intParameter(String key, Properties info, int fallback) throws SQLException {
        String v = parameter(key, info, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new SQLException("Parameter " + key + " must be an integer, not '" + v + "'",
                    SQLSTATE_CONNECTION);
        }
    }

    /** The URL of a remote cluster at {@code zkConnect}. */
    public static String remote(String zkConnect, String cluster) {
        return PREFIX + Kind.REMOTE.tag + zkConnect + "/" + cluster;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(PREFIX).append(kind.tag);
        switch (kind) {
            case REMOTE -> sb.append(zkConnect).append('/').append(cluster);
            case LOCAL -> sb.append(path);
            case MEM -> sb.append(name);
        }
        parameters.forEach((k, v) -> sb.append(';').append(k).append('=').append(v));
        return sb.toString();
    }
}
