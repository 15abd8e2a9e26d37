package io.tessera.sql.exec;

import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.ScanRequest;
import io.tessera.protocol.proto.TableSchema;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One table scan of a statement, with every value bound: the request each target shard gets
 * (fragment, index and key range; shard and read timestamp are filled per call), the shard-key
 * tuples that choose the target shards, and what the frontend does after merging.
 *
 * @param table the table as planned (its id and shard key)
 * @param request the scan without {@code shard} and {@code read_ts}
 * @param shardKeys shard-key tuples (Java forms of the shard-key column types); null = every shard
 * @param offset rows to skip after merging
 * @param fetch rows to return after the offset; negative = all
 * @param outputTypes the types of the fragment's output columns (RowCodec layout of the rows)
 * @param scalarRows whether to return a one-column row as its value instead of an array
 */
public record ScanSpec(TableSchema table, ScanRequest request, @Nullable List<Object[]> shardKeys,
    long offset, long fetch, ColumnType[] outputTypes, boolean scalarRows) {

  /** Whether the shards return sorted rows that must be merged. */
  public boolean sorted() {
    return request.getFragment().getSortCount() > 0;
  }
}
