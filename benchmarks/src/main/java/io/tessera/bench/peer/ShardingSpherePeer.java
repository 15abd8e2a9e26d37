package io.tessera.bench.peer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.shardingsphere.driver.api.yaml.YamlShardingSphereDataSourceFactory;
import org.h2.tools.Server;

/**
 * Apache ShardingSphere-JDBC 5.5.2 sharding the benchmark tables over {@code n} H2 TCP servers
 * (hash-mod INLINE algorithms on the same shard keys Tessera uses; item and detail are binding tables). The schema is
 * created on every backend directly; ShardingSphere reads it when its data source starts.
 */
public final class ShardingSpherePeer implements Peer {
    /** Logical table -> sharding column. Tables not listed are not sharded (none today). */
    private final Map<String, String> shardColumns = new LinkedHashMap<>();
    private final int backends;
    private final List<Server> servers = new ArrayList<>();
    private final List<String> backendUrls = new ArrayList<>();
    private Path config;
    private int poolSize = 8;
    private DataSource dataSource;

    public ShardingSpherePeer(int backends) {
        this.backends = backends;
    }

    @Override
    public String id() {
        return "shardingsphere";
    }

    @Override
    public String displayName() {
        return "ShardingSphere-JDBC + " + backends + " H2";
    }

    /** Backend pool size per H2 server (the harness sets it to the client thread count). */
    public void poolSize(int n) {
        this.poolSize = n;
    }

    @Override
    public void start(Path workDir) throws Exception {
        for (int i = 0; i < backends; i++) {
            Path d = Files.createDirectories(workDir.resolve("ds_" + i));
            // No -baseDir and an absolute path: ShardingSphere's H2 URL pattern wants host:port/<path>/<name>
            // with at most 4 port digits.
            Server s = Server.createTcpServer("-tcpPort", String.valueOf(Ports.freeBelow10000()), "-ifNotExists", "-tcpDaemon");
            s.start();
            servers.add(s);
            backendUrls.add("jdbc:h2:tcp://127.0.0.1:" + s.getPort() + "/" + d.toAbsolutePath() + "/db;MODE=MySQL;DATABASE_TO_UPPER=FALSE");
        }
        config = workDir.resolve("sharding.yaml");
    }

    @Override
    public String createTable(String createTable, String shardKey) {
        String name = createTable.replaceFirst("(?is)^\\s*CREATE\\s+TABLE\\s+(IF\\s+NOT\\s+EXISTS\\s+)?([A-Za-z_0-9]+).*$", "$2");
        shardColumns.put(name, shardKey);
        return createTable;
    }

    @Override
    public void executeDdl(List<String> statements) throws SQLException {
        for (String url : backendUrls) {
            try (Connection c = DriverManager.getConnection(url, "sa", ""); Statement s = c.createStatement()) {
                for (String sql : statements) {
                    s.execute(sql);
                }
            }
        }
    }

    @Override
    public void schemaReady() throws Exception {
        StringBuilder y = new StringBuilder();
        y.append("databaseName: tessera_bench\n");
        y.append("dataSources:\n");
        for (int i = 0; i < backendUrls.size(); i++) {
            y.append("  ds_").append(i).append(":\n")
                    .append("    dataSourceClassName: com.zaxxer.hikari.HikariDataSource\n")
                    .append("    driverClassName: org.h2.Driver\n")
                    .append("    jdbcUrl: ").append(backendUrls.get(i)).append('\n')
                    .append("    username: sa\n")
                    .append("    password: ''\n")
                    .append("    maximumPoolSize: ").append(poolSize).append('\n')
                    .append("    minimumIdle: 1\n");
        }
        y.append("rules:\n- !SHARDING\n  tables:\n");
        List<String> sharded = new ArrayList<>();
        for (Map.Entry<String, String> t : shardColumns.entrySet()) {
            StringBuilder nodes = new StringBuilder();
            for (int i = 0; i < backends; i++) {
                nodes.append(i == 0 ? "" : ",").append("ds_").append(i).append('.').append(t.getKey());
            }
            y.append("    ").append(t.getKey()).append(":\n")
                    .append("      actualDataNodes: ").append(nodes).append('\n')
                    .append("      databaseStrategy:\n        standard:\n")
                    .append("          shardingColumn: ").append(t.getValue()).append('\n')
                    .append("          shardingAlgorithmName: hash_").append(t.getKey()).append('\n')
                    .append("      tableStrategy:\n        none:\n");
            sharded.add(t.getKey());
        }
        if (sharded.contains("bench_item") && sharded.contains("bench_detail")) {
            y.append("  bindingTables:\n    - bench_item,bench_detail\n");
        }
        // INLINE (not the auto algorithm HASH_MOD, which would rename the actual tables): the same
        // hash-mod placement, range predicates routed to every backend.
        y.append("  shardingAlgorithms:\n");
        for (Map.Entry<String, String> t : shardColumns.entrySet()) {
            y.append("    hash_").append(t.getKey()).append(":\n      type: INLINE\n      props:\n")
                    .append("        algorithm-expression: ds_${Math.floorMod(").append(t.getValue())
                    .append(".hashCode(), ").append(backends).append(")}\n")
                    .append("        allow-range-query-with-inline-sharding: true\n");
        }
        y.append("props:\n  sql-show: false\n");
        Files.writeString(config, y.toString());
    }

    @Override
    public synchronized DataSource dataSource() throws Exception {
        if (dataSource == null) {
            dataSource = YamlShardingSphereDataSourceFactory.createDataSource(config.toFile());
        }
        return dataSource;
    }

    @Override
    public String jdbcUrl() {
        return "jdbc:shardingsphere:absolutepath:" + config.toAbsolutePath();
    }

    @Override
    public String driverClassName() {
        return "org.apache.shardingsphere.driver.ShardingSphereDriver";
    }

    @Override
    public String durability() {
        return "as H2 (no fsync per commit); LOCAL transactions (no distributed atomicity)";
    }

    @Override
    public String notes() {
        return backends + " H2 TCP servers in the harness JVM, hash-mod INLINE sharding in the client, backend pools of " + poolSize;
    }

    @Override
    public void close() {
        if (dataSource instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("bench: closing ShardingSphere failed: " + e);
            }
        }
        dataSource = null;
        for (Server s : servers) {
            s.stop();
        }
        servers.clear();
    }
}
