package io.tessera.sql.planner;

/**
 * Turns on Calcite's cache of compiled plans ({@code calcite.bindable.cache.maxSize}, off by
 * default), so re-preparing a statement skips Janino. Calcite reads the property once, when
 * {@code CalciteSystemProperty} initializes: {@code saffron.properties} in this module's resources
 * sets it for every JVM that has us on the class path; this is the fallback for when our classes
 * load first. An explicit system property always wins.
 */
final class PlanCaching {
  static final String MAX_SIZE = "calcite.bindable.cache.maxSize";
  static final String DEFAULT_MAX_SIZE = "1000";

  private PlanCaching() {}

  static void enable() {
    if (System.getProperty(MAX_SIZE) == null) {
      System.setProperty(MAX_SIZE, DEFAULT_MAX_SIZE);
    }
  }
}
