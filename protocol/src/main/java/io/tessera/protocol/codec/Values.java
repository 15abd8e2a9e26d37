package io.tessera.protocol.codec;

import com.google.protobuf.ByteString;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.Value;
import java.math.BigDecimal;

/**
 * The one place that defines how SQL values are held in Java, matching Calcite's internal forms:
 * BOOLEAN Boolean, TINYINT Byte, SMALLINT Short, INTEGER Integer, BIGINT Long, DECIMAL BigDecimal,
 * REAL Float, DOUBLE Double, CHAR/VARCHAR String, BINARY/VARBINARY byte[],
 * DATE Integer (days since epoch), TIME Integer (ms of day), TIMESTAMP Long (ms since epoch).
 * NULL is {@code null}. Also converts to and from the protobuf {@link Value}.
 */
public final class Values {
    private Values() {}

    /** Converts any numeric/compatible Java value to the canonical Java form of {@code type}. */
    public static Object normalize(ColumnType type, Object v) {
        if (v == null) {
            return null;
        }
        switch (type) {
            case BOOLEAN:
                return (Boolean) v;
            case TINYINT:
                return ((Number) v).byteValue();
            case SMALLINT:
                return ((Number) v).shortValue();
            case INTEGER:
            case DATE:
            case TIME:
                return ((Number) v).intValue();
            case BIGINT:
            case TIMESTAMP:
                return ((Number) v).longValue();
            case DECIMAL:
                return v instanceof BigDecimal ? v : new BigDecimal(v.toString());
            case REAL:
                return ((Number) v).floatValue();
            case DOUBLE:
                return ((Number) v).doubleValue();
            case CHAR:
            case VARCHAR:
                return v.toString();
            case BINARY:
            case VARBINARY:
                if (v instanceof ByteString) {
                    return ((ByteString) v).toByteArray();
                }
                return (byte[]) v;
            default:
                throw new IllegalArgumentException("unsupported column type " + type);
        }
    }

    public static Value toProto(ColumnType type, Object v) {
        Value.Builder b = Value.newBuilder();
        if (v == null) {
            return b.build();
        }
        switch (type) {
            case BOOLEAN:
                return b.setBoolValue((Boolean) v).build();
            case TINYINT:
            case SMALLINT:
            case INTEGER:
            case BIGINT:
            case DATE:
            case TIME:
            case TIMESTAMP:
                return b.setLongValue(((Number) v).longValue()).build();
            case DECIMAL:
                return b.setDecimalValue(normalize(type, v).toString()).build();
            case REAL:
            case DOUBLE:
                return b.setDoubleValue(((Number) v).doubleValue()).build();
            case CHAR:
            case VARCHAR:
                return b.setStringValue(v.toString()).build();
            case BINARY:
            case VARBINARY:
                return b.setBytesValue(ByteString.copyFrom((byte[]) normalize(type, v))).build();
            default:
                throw new IllegalArgumentException("unsupported column type " + type);
        }
    }

    public static Object fromProto(ColumnType type, Value v) {
        switch (v.getKindCase()) {
            case KIND_NOT_SET:
                return null;
            case BOOL_VALUE:
                return v.getBoolValue();
            case LONG_VALUE:
                return normalize(type, v.getLongValue());
            case DOUBLE_VALUE:
                return normalize(type, v.getDoubleValue());
            case STRING_VALUE:
                return v.getStringValue();
            case BYTES_VALUE:
                return v.getBytesValue().toByteArray();
            case DECIMAL_VALUE:
                return normalize(type, new BigDecimal(v.getDecimalValue()));
            default:
                throw new IllegalArgumentException("unknown value kind " + v.getKindCase());
        }
    }
}
