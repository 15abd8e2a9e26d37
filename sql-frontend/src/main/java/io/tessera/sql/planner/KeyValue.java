package io.tessera.sql.planner;

import io.tessera.protocol.proto.ColumnType;
import java.util.Arrays;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A key column value in a plan: a constant known while planning, or a dynamic parameter
 * ({@code ?n}) resolved at execution time, so that plans with parameters stay reusable.
 */
public final class KeyValue {
  private final ColumnType type;
  private final @Nullable Object constant;
  private final int param;

  private KeyValue(ColumnType type, @Nullable Object constant, int param) {
    this.type = type;
    this.constant = constant;
    this.param = param;
  }

  /** A constant, already in the Java form of {@code type}. */
  public static KeyValue constant(ColumnType type, @Nullable Object value) {
    return new KeyValue(type, value, -1);
  }

  public static KeyValue param(ColumnType type, int index) {
    return new KeyValue(type, null, index);
  }

  public ColumnType type() {
    return type;
  }

  public boolean isParam() {
    return param >= 0;
  }

  /** The value in the Java form of {@link #type()}. */
  public @Nullable Object resolve(Params params) {
    return isParam() ? SqlValues.normalize(type, params.get(param)) : constant;
  }

  @Override public String toString() {
    if (isParam()) {
      return "?" + param;
    }
    if (constant instanceof String) {
      return "'" + constant + "'";
    }
    if (constant instanceof byte[]) {
      StringBuilder b = new StringBuilder("X'");
      for (byte x : (byte[]) constant) {
        b.append(String.format("%02X", x & 0xFF));
      }
      return b.append('\'').toString();
    }
    return String.valueOf(constant);
  }

  @Override public boolean equals(Object o) {
    if (!(o instanceof KeyValue)) {
      return false;
    }
    KeyValue k = (KeyValue) o;
    return type == k.type && param == k.param && Objects.deepEquals(constant, k.constant);
  }

  @Override public int hashCode() {
    return Objects.hash(type, param,
        constant instanceof byte[] ? Arrays.hashCode((byte[]) constant) : constant);
  }
}
