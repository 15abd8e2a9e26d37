package io.tessera.protocol.codec;

import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.TableSchema;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Compact row format (not ordered): column count, null bitmap, then each non-null value
 * (fixed-width big-endian numbers, length-prefixed strings/binaries, scale + unscaled bytes for
 * decimals). Rows with fewer stored columns than the codec's read the missing ones as NULL, so
 * adding nullable columns needs no rewrite. Java forms are those of {@link Values}.
 */
public final class RowCodec {
    private final ColumnType[] types;

    public RowCodec(ColumnType[] types) {
        this.types = types.clone();
    }

    public static RowCodec of(TableSchema schema) {
        return new RowCodec(columnTypes(schema.getColumnsList()));
    }

    public static ColumnType[] columnTypes(List<ColumnDef> columns) {
        ColumnType[] t = new ColumnType[columns.size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = columns.get(i).getType();
        }
        return t;
    }

    public ColumnType[] types() {
        return types.clone();
    }

    public int width() {
        return types.length;
    }

    public byte[] encode(Object[] row) {
        ByteWriter out = new ByteWriter(16 + 12 * types.length);
        encode(out, row);
        return out.toByteArray();
    }

    public void encode(ByteWriter out, Object[] row) {
        int n = types.length;
        out.putVarInt(n);
        byte[] bitmap = new byte[(n + 7) >>> 3];
        for (int i = 0; i < n; i++) {
            if (row[i] == null) {
                bitmap[i >>> 3] |= (byte) (1 << (i & 7));
            }
        }
        out.put(bitmap);
        for (int i = 0; i < n; i++) {
            if (row[i] != null) {
                writeValue(out, types[i], row[i]);
            }
        }
    }

    public Object[] decode(byte[] bytes) {
        ByteReader in = new ByteReader(bytes, 0);
        int stored = in.getVarInt();
        byte[] bitmap = in.get((stored + 7) >>> 3);
        Object[] row = new Object[types.length];
        int n = Math.min(stored, types.length);
        for (int i = 0; i < n; i++) {
            if ((bitmap[i >>> 3] & (1 << (i & 7))) == 0) {
                row[i] = readValue(in, types[i]);
            }
        }
        return row;
    }

    private static void writeValue(ByteWriter out, ColumnType type, Object v) {
        switch (type) {
            case BOOLEAN:
                out.put((Boolean) v ? 1 : 0);
                break;
            case TINYINT:
                out.put(((Number) v).byteValue());
                break;
            case SMALLINT:
                out.putShort(((Number) v).shortValue());
                break;
            case INTEGER:
            case DATE:
            case TIME:
                out.putInt(((Number) v).intValue());
                break;
            case BIGINT:
            case TIMESTAMP:
                out.putLong(((Number) v).longValue());
                break;
            case REAL:
                out.putInt(Float.floatToIntBits(((Number) v).floatValue()));
                break;
            case DOUBLE:
                out.putLong(Double.doubleToLongBits(((Number) v).doubleValue()));
                break;
            case DECIMAL: {
                BigDecimal d = (BigDecimal) Values.normalize(type, v);
                byte[] unscaled = d.unscaledValue().toByteArray();
                out.putVarInt(d.scale() << 1 ^ d.scale() >> 31); // zigzag: scales may be negative
                out.putVarInt(unscaled.length).put(unscaled);
                break;
            }
            case CHAR:
            case VARCHAR: {
                byte[] b = v.toString().getBytes(StandardCharsets.UTF_8);
                out.putVarInt(b.length).put(b);
                break;
            }
            case BINARY:
            case VARBINARY: {
                byte[] b = (byte[]) Values.normalize(type, v);
                out.putVarInt(b.length).put(b);
                break;
            }
            default:
                throw new IllegalArgumentException("unsupported column type " + type);
        }
    }

    private static Object readValue(ByteReader in, ColumnType type) {
        switch (type) {
            case BOOLEAN:
                return in.get() != 0;
            case TINYINT:
                return (byte) in.get();
            case SMALLINT:
                return in.getShort();
            case INTEGER:
            case DATE:
            case TIME:
                return in.getInt();
            case BIGINT:
            case TIMESTAMP:
                return in.getLong();
            case REAL:
                return Float.intBitsToFloat(in.getInt());
            case DOUBLE:
                return Double.longBitsToDouble(in.getLong());
            case DECIMAL: {
                int z = in.getVarInt();
                int scale = z >>> 1 ^ -(z & 1);
                return new BigDecimal(new BigInteger(in.get(in.getVarInt())), scale);
            }
            case CHAR:
            case VARCHAR:
                return new String(in.get(in.getVarInt()), StandardCharsets.UTF_8);
            case BINARY:
            case VARBINARY:
                return in.get(in.getVarInt());
            default:
                throw new IllegalArgumentException("unsupported column type " + type);
        }
    }
}
