package io.tessera.sql.dml;

import java.lang.ref.WeakReference;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import org.apache.calcite.DataContext;

/**
 * Told how many rows each write of a connection changed, so the JDBC layer can tell whether a
 * manual-commit "transaction" wrote anything (see {@code TesseraMeta}). The writer finds the
 * listener through the connection executing the statement ({@link DataContext#getQueryProvider()}
 * is Calcite's connection).
 */
public interface WriteListener {
  /** {@code rows} rows were written (and committed) by a statement of this connection. */
  void rowsWritten(long rows);

  /** Listeners by connection (identity; weak, and removed when the connection closes). */
  final class Registry {
    private static final Map<Object, WeakReference<WriteListener>> LISTENERS =
        Collections.synchronizedMap(new WeakHashMap<>());

    private Registry() {}

    public static void register(Object connection, WriteListener listener) {
      LISTENERS.put(connection, new WeakReference<>(listener));
    }

    public static void unregister(Object connection) {
      LISTENERS.remove(connection);
    }

    static void rowsWritten(DataContext context, long rows) {
      if (rows <= 0 || context == null) {
        return;
      }
      WeakReference<WriteListener> ref = LISTENERS.get(context.getQueryProvider());
      WriteListener listener = ref == null ? null : ref.get();
      if (listener != null) {
        listener.rowsWritten(rows);
      }
    }
  }
}
