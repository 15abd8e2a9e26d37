package io.tessera.sql.dml;

import io.tessera.protocol.proto.TableSchema;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects the rows an INSERT wrote, for {@code Statement.getGeneratedKeys()}.
 *
 * <p>The JDBC layer opens a capture around the execution of a statement that asked for generated
 * keys; the writer, which runs on the same thread, records the full stored rows (hidden row id
 * included) into it. Without an open capture, recording costs one thread-local read.
 */
public final class InsertedKeys {
  private static final ThreadLocal<InsertedKeys> CURRENT = new ThreadLocal<>();

  private TableSchema table;
  private final List<Object[]> rows = new ArrayList<>();

  private InsertedKeys() {}

  /** Opens a capture on this thread; close it with {@link #end()}. */
  public static InsertedKeys begin() {
    InsertedKeys k = new InsertedKeys();
    CURRENT.set(k);
    return k;
  }

  /** Closes the capture of this thread. */
  public static void end() {
    CURRENT.remove();
  }

  /** The table the rows were inserted into, or null if nothing was inserted. */
  public TableSchema table() {
    return table;
  }

  /** The inserted rows, every column of {@link #table()} in table order (stored Java forms). */
  public List<Object[]> rows() {
    return rows;
  }

  static void record(TableSchema schema, List<Object[]> fullRows) {
    InsertedKeys k = CURRENT.get();
    if (k == null) {
      return;
    }
    if (k.table != null && k.table.getTableId() != schema.getTableId()) {
      k.rows.clear();
    }
    k.table = schema;
    k.rows.addAll(fullRows);
  }
}
