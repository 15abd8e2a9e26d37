package io.tessera.sql.exec;

import io.tessera.protocol.proto.SortKey;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import org.apache.calcite.avatica.util.ByteString;

/**
 * k-way merge of shard streams that are each sorted by the same keys: a heap holds the head row
 * of every stream, so memory stays at one row (plus the prefetch window) per shard.
 */
final class SortedMerge implements ShardScanner.RowSource {
  private final List<ShardStream> streams;
  private final PriorityQueue<Head> heap;
  private boolean started;

  SortedMerge(List<ShardStream> streams, List<SortKey> keys) {
    this.streams = streams;
    Comparator<Object[]> rows = comparator(keys);
    this.heap = new PriorityQueue<>(Math.max(1, streams.size()),
        (a, b) -> {
          int c = rows.compare(a.row, b.row);
          return c != 0 ? c : Integer.compare(a.stream, b.stream);
        });
  }

  @Override public Object[] next() {
    try {
      if (!started) {
        started = true;
        for (int i = 0; i < streams.size(); i++) {
          advance(i);
        }
      }
      Head head = heap.poll();
      if (head == null) {
        return null;
      }
      advance(head.stream);
      return head.row;
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private void advance(int stream) {
    Object[] row = streams.get(stream).next();
    if (row != null) {
      heap.add(new Head(row, stream));
    } else {
      streams.get(stream).close();
    }
  }

  @Override public void close() {
    for (ShardStream s : streams) {
      s.close();
    }
  }

  /** Orders rows as the shards do: by each key, NULLs first or last as the key says. */
  static Comparator<Object[]> comparator(List<SortKey> keys) {
    return (a, b) -> {
      for (SortKey k : keys) {
        Object x = a[k.getColumn()];
        Object y = b[k.getColumn()];
        int c;
        if (x == null || y == null) {
          c = x == y ? 0 : (x == null) == k.getNullsFirst() ? -1 : 1;
        } else {
          c = compareValues(x, y);
          if (k.getDescending()) {
            c = -c;
          }
        }
        if (c != 0) {
          return c;
        }
      }
      return 0;
    };
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static int compareValues(Object x, Object y) {
    if (x instanceof ByteString && y instanceof ByteString) {
      return ((ByteString) x).compareTo((ByteString) y);
    }
    if (x instanceof Number && y instanceof Number && x.getClass() != y.getClass()) {
      return new java.math.BigDecimal(x.toString()).compareTo(new java.math.BigDecimal(y.toString()));
    }
    return ((Comparable) x).compareTo(y);
  }

  private record Head(Object[] row, int stream) {}
}
