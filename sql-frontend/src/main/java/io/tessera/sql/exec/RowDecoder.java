package io.tessera.sql.exec;

import io.tessera.protocol.codec.RowCodec;
import io.tessera.protocol.proto.ColumnType;
import org.apache.calcite.avatica.util.ByteString;

/**
 * Decodes the rows shards send (RowCodec, Java forms of {@code Values}) into the values Calcite's
 * generated code expects: the same forms, except that binaries are Avatica {@link ByteString}s.
 */
final class RowDecoder {
  private final RowCodec codec;
  private final int[] binaryColumns;

  RowDecoder(ColumnType[] types) {
    this.codec = new RowCodec(types);
    int n = 0;
    int[] binary = new int[types.length];
    for (int i = 0; i < types.length; i++) {
      if (types[i] == ColumnType.BINARY || types[i] == ColumnType.VARBINARY) {
        binary[n++] = i;
      }
    }
    this.binaryColumns = java.util.Arrays.copyOf(binary, n);
  }

  Object[] decode(byte[] bytes) {
    Object[] row = codec.decode(bytes);
    for (int c : binaryColumns) {
      if (row[c] != null) {
        row[c] = new ByteString((byte[]) row[c]);
      }
    }
    return row;
  }
}
