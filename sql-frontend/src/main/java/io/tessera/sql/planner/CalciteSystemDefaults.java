package io.tessera.sql.planner;

import java.util.Map;

/**
 * Tessera's defaults for Calcite's JVM-wide settings: the cache of compiled plans
 * ({@code calcite.bindable.cache.maxSize}, off by default in Calcite), so re-preparing a
 * statement skips Janino, and UTF-8 as the character set and collation of character strings
 * (Calcite's default, ISO-8859-1, cannot hold literals such as {@code 'Zoë 🙂'}).
 *
 * <p>Calcite reads these once, when {@code CalciteSystemProperty} initializes:
 * {@code saffron.properties} in this module's resources sets them for every JVM that has us on
 * the class path; {@link #apply()} is the fallback for when another {@code saffron.properties}
 * shadows ours and our classes load first. An explicit system property always wins.
 */
public final class CalciteSystemDefaults {
  static final String MAX_SIZE = "calcite.bindable.cache.maxSize";

  /** Property → value; keep in step with {@code saffron.properties}. */
  static final Map<String, String> DEFAULTS = Map.of(
      MAX_SIZE, "1000",
      "calcite.default.charset", "UTF-8",
      "calcite.default.nationalcharset", "UTF-8",
      "calcite.default.collation.name", "UTF-8$en_US");

  private CalciteSystemDefaults() {}

  /** Sets each default that is not set as a system property already. */
  public static void apply() {
    DEFAULTS.forEach((key, value) -> {
      if (System.getProperty(key) == null) {
        System.setProperty(key, value);
      }
    });
  }
}
