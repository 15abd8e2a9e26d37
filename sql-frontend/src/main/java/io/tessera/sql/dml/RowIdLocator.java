package io.tessera.sql.dml;

import io.tessera.protocol.codec.RowCodec;
import io.tessera.protocol.codec.Values;
import io.tessera.protocol.proto.Call;
import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.Expr;
import io.tessera.protocol.proto.Fragment;
import io.tessera.protocol.proto.Op;
import io.tessera.protocol.proto.ScanRequest;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.sql.exec.ScanOptions;
import io.tessera.sql.exec.ScanSpec;
import io.tessera.sql.exec.ShardScanner;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.calcite.DataContext;
import org.apache.calcite.avatica.util.ByteString;
import org.apache.calcite.linq4j.Enumerator;

/**
 * Finds the stored rows (with their hidden row ids) behind UPDATE/DELETE input rows of a table
 * without a declared primary key, whose SQL row type does not show the row id.
 *
 * <p>It scans every shard at the statement's read timestamp for rows equal, column by column, to
 * the input rows (in chunks of {@link #CHUNK} rows per request), through {@link ShardScanner}, so
 * the scans follow their routes through a failover. The statement's WHERE clause only
 * sees visible columns, so rows with equal visible values were selected together: the rows found
 * are exactly the rows the statement selected. Its snapshot counts among the statement's reads
 * ({@link io.tessera.sql.exec.ReadSnapshots}): the write conflicts with what changed after it.
 */
final class RowIdLocator {
  static final int CHUNK = 256;

  private RowIdLocator() {}

  static List<Object[]> locate(WriteCluster cluster, DataContext context, TableSchema schema,
      List<Object[]> rows) {
    long readTs = cluster.readTimestamp(context);
    ColumnType[] types = RowCodec.columnTypes(schema.getColumnsList());
    ScanOptions options = ScanOptions.fromSystemProperties(cluster.failover())
        .withLocks(cluster.txn());
    int rowIdColumn = schema.getColumnsCount() - 1;
    Map<Long, Object[]> found = new LinkedHashMap<>();
    for (int from = 0; from < rows.size(); from += CHUNK) {
      Expr filter = matchAny(schema, rows.subList(from, Math.min(rows.size(), from + CHUNK)));
      ScanRequest request = ScanRequest.newBuilder()
          .setFragment(Fragment.newBuilder().setFilter(filter))
          .build();
      // Every shard, through the scan executor: it follows the routes through a failover.
      ScanSpec spec = new ScanSpec(schema, request, null, 0, -1, types, false);
      try (Enumerator<Object> scan = ShardScanner.open(cluster.reads(), spec, readTs, options,
          context)) {
        while (scan.moveNext()) {
          Object[] row = (Object[]) scan.current();
          for (int i = 0; i < row.length; i++) {
            if (row[i] instanceof ByteString) {
              row[i] = ((ByteString) row[i]).getBytes();
            }
          }
          found.put((Long) Values.normalize(ColumnType.BIGINT, row[rowIdColumn]), row);
        }
      }
    }
    return new ArrayList<>(found.values());
  }

  /** OR over the rows of AND over the visible columns of (column = value or both null). */
  private static Expr matchAny(TableSchema schema, List<Object[]> rows) {
    List<Expr> alternatives = new ArrayList<>(rows.size());
    for (Object[] row : rows) {
      List<Expr> terms = new ArrayList<>();
      for (int i = 0; i < schema.getColumnsCount(); i++) {
        ColumnDef c = schema.getColumns(i);
        if (c.getHidden()) {
          continue;
        }
        Expr column = Expr.newBuilder().setColumn(i).setType(c.getType())
            .setPrecision(c.getPrecision()).setScale(c.getScale()).build();
        if (row[i] == null) {
          terms.add(call(Op.IS_NULL, column));
        } else {
          Expr literal = Expr.newBuilder().setLiteral(Values.toProto(c.getType(), row[i]))
              .setType(c.getType()).setPrecision(c.getPrecision()).setScale(c.getScale())
              .build();
          terms.add(call(Op.EQ, column, literal));
        }
      }
      alternatives.add(terms.size() == 1 ? terms.get(0) : call(Op.AND, terms.toArray(new Expr[0])));
    }
    return alternatives.size() == 1 ? alternatives.get(0)
        : call(Op.OR, alternatives.toArray(new Expr[0]));
  }

  private static Expr call(Op op, Expr... operands) {
    Call.Builder call = Call.newBuilder().setOp(op);
    for (Expr e : operands) {
      call.addOperands(e);
    }
    return Expr.newBuilder().setCall(call).setType(ColumnType.BOOLEAN).build();
  }
}
