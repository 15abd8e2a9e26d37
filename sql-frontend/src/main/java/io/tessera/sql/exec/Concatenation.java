package io.tessera.sql.exec;

import java.util.List;

/**
 * The rows of shard streams one shard after the other. Every stream was started up front, so the
 * shards work in parallel while earlier ones are being read (each up to its prefetch window).
 */
final class Concatenation implements ShardScanner.RowSource {
  private final List<ShardStream> streams;
  private int index;

  Concatenation(List<ShardStream> streams) {
    this.streams = streams;
  }

  @Override public Object[] next() {
    try {
      while (index < streams.size()) {
        Object[] row = streams.get(index).next();
        if (row != null) {
          return row;
        }
        streams.get(index).close();
        index++;
      }
      return null;
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  @Override public void close() {
    for (ShardStream s : streams) {
      s.close();
    }
  }
}
