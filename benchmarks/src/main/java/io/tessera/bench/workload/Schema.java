package io.tessera.bench.workload;

import io.tessera.bench.peer.Peer;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The benchmark schema, identical on every peer (same columns, keys and indexes; distributed peers
 * shard each table by the column given here), and its deterministic data.
 */
public final class Schema {
    /** Order lines per item in bench_detail. */
    public static final int LINES = 4;
    public static final int GROUPS = 100;
    public static final int YCSB_FIELDS = 10;

    private Schema() {}

    /** {createTable, shardKey} pairs, then plain statements (indexes). */
    public static List<String> ddl(Peer peer) {
        List<String> out = new ArrayList<>();
        out.add(peer.createTable("CREATE TABLE bench_item (id BIGINT NOT NULL PRIMARY KEY, k INT NOT NULL, "
                + "grp INT NOT NULL, name VARCHAR(40) NOT NULL, amount DECIMAL(12,2) NOT NULL)", "id"));
        out.add("CREATE INDEX bench_item_k ON bench_item (k)");
        out.add(peer.createTable("CREATE TABLE bench_detail (item_id BIGINT NOT NULL, line INT NOT NULL, "
                + "qty INT NOT NULL, price DECIMAL(12,2) NOT NULL, PRIMARY KEY (item_id, line))", "item_id"));
        out.add(peer.createTable("CREATE TABLE bench_ins (id BIGINT NOT NULL PRIMARY KEY, k INT NOT NULL, "
                + "name VARCHAR(40) NOT NULL, amount DECIMAL(12,2) NOT NULL)", "id"));
        StringBuilder u = new StringBuilder("CREATE TABLE usertable (YCSB_KEY VARCHAR(64) NOT NULL PRIMARY KEY");
        for (int i = 0; i < YCSB_FIELDS; i++) {
            u.append(", FIELD").append(i).append(" VARCHAR(100)");
        }
        out.add(peer.createTable(u.append(")").toString(), "YCSB_KEY"));
        return out;
    }

    public static int k(long id) {
        return (int) (id * 3 + 1);
    }

    public static String name(long id) {
        return "item-" + id;
    }

    public static BigDecimal amount(long id) {
        return BigDecimal.valueOf((id % 1000) * 100 + 50, 2);
    }

    /** Loads {@code rows} items (ids 0..rows-1) and LINES details each, in batches. */
    public static void load(DataSource ds, long rows, int batch) throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(true);
            try (PreparedStatement items = c.prepareStatement(
                    "INSERT INTO bench_item (id, k, grp, name, amount) VALUES (?, ?, ?, ?, ?)");
                 PreparedStatement details = c.prepareStatement(
                    "INSERT INTO bench_detail (item_id, line, qty, price) VALUES (?, ?, ?, ?)")) {
                int n = 0;
                for (long id = 0; id < rows; id++) {
                    items.setLong(1, id);
                    items.setInt(2, k(id));
                    items.setInt(3, (int) (id % GROUPS));
                    items.setString(4, name(id));
                    items.setBigDecimal(5, amount(id));
                    items.addBatch();
                    for (int line = 0; line < LINES; line++) {
                        details.setLong(1, id);
                        details.setInt(2, line);
                        details.setInt(3, 1 + (int) ((id + line) % 9));
                        details.setBigDecimal(4, BigDecimal.valueOf(100 + line * 25L, 2));
                        details.addBatch();
                    }
                    if (++n == batch) {
                        items.executeBatch();
                        details.executeBatch();
                        n = 0;
                    }
                }
                if (n > 0) {
                    items.executeBatch();
                    details.executeBatch();
                }
            }
        }
    }
}
