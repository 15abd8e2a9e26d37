package io.tessera.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** HikariCP configured with dataSourceClassName=io.tessera.jdbc.TesseraDataSource. */
class HikariPoolOverDataSourceTest {

    @Test
    void poolBuiltFromDataSourceClassNameRunsQueries() throws Exception {
        HikariConfig config = new HikariConfig();
        config.setDataSourceClassName(TesseraDataSource.class.getName());
        config.addDataSourceProperty("url", "jdbc:tessera:mem:hikari");
        config.setUsername("app");
        config.setPassword("secret");
        config.setMaximumPoolSize(4);
        config.setConnectionTimeout(60_000);
        config.setInitializationFailTimeout(60_000);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER)");
            }
            ExecutorService threads = Executors.newFixedThreadPool(4);
            try {
                List<Future<Integer>> inserts = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int base = t * 10;
                    inserts.add(threads.submit((Callable<Integer>) () -> {
                        int n = 0;
                        for (int i = 1; i <= 10; i++) {
                            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                                n += s.executeUpdate("INSERT INTO counters VALUES (" + (base + i) + ", " + i + ")");
                            }
                        }
                        return n;
                    }));
                }
                int total = 0;
                for (Future<Integer> f : inserts) {
                    total += f.get();
                }
                assertThat(total).isEqualTo(40);
            } finally {
                threads.shutdownNow();
            }
            try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT COUNT(*), SUM(n) FROM counters")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(40);
                assertThat(rs.getLong(2)).isEqualTo(4 * 55);
            }
            assertThat(pool.getHikariPoolMXBean().getTotalConnections()).isBetween(1, 4);
        }
    }

    @Test
    void manualCommitPoolCommitsAndRollsBackReturnedConnections() throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:tessera:mem:hikari_tx;lockWaitTimeoutMs=2000");
        config.setAutoCommit(false);
        config.setTransactionIsolation("TRANSACTION_REPEATABLE_READ");
        config.setMaximumPoolSize(2);
        config.setConnectionTimeout(60_000);
        config.setInitializationFailTimeout(60_000);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INTEGER) SHARDS 4");
                s.executeUpdate("INSERT INTO orders VALUES (1, 1), (2, 2), (3, 3)");
                c.commit();
            }
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                s.executeUpdate("UPDATE orders SET qty = 0");
                s.executeUpdate("INSERT INTO orders VALUES (4, 4)");
                // returned without commit: Hikari rolls the dirty connection back
            }
            try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT COUNT(*), SUM(qty) FROM orders")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(3);
                assertThat(rs.getLong(2)).isEqualTo(6);
                c.commit();
            }
        }
    }

    @Test
    void dataSourceIsAJavaBean() throws SQLException {
        TesseraDataSource ds = new TesseraDataSource();
        ds.setUrl("jdbc:tessera:mem:bean");
        ds.setUser("u");
        ds.setPassword("p");
        ds.setLoginTimeout(5);
        assertThat(ds.getUrl()).isEqualTo("jdbc:tessera:mem:bean");
        assertThat(ds.getURL()).isEqualTo(ds.getUrl());
        assertThat(ds.getLoginTimeout()).isEqualTo(5);
        assertThat(ds.isWrapperFor(DataSource.class)).isTrue();
        assertThat(ds.unwrap(TesseraDataSource.class)).isSameAs(ds);
    }

    @Test
    void dataSourceWithoutUrlFailsClearly() {
        TesseraDataSource ds = new TesseraDataSource();
        org.assertj.core.api.Assertions.assertThatThrownBy(ds::getConnection)
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("url is not set");
    }
}
