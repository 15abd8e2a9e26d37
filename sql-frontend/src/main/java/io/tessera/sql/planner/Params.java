package io.tessera.sql.planner;

import org.apache.calcite.DataContext;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Values of the statement's dynamic parameters ({@code ?}), by index. At execution time they sit
 * in the {@link DataContext} as {@code "?0"}, {@code "?1"}, ...; while planning they are unknown.
 */
@FunctionalInterface
public interface Params {
  /** Parameters not known yet (planning): every value reads as NULL. */
  Params UNBOUND = index -> null;

  /** The raw value of parameter {@code index} (JDBC/Avatica local form, not yet normalized). */
  @Nullable Object get(int index);

  static Params of(DataContext context) {
    return index -> context.get("?" + index);
  }
}
