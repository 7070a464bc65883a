package dev.runs;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static java.util.Map.entry;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Architecture rules. "The API does not depend on internal packages" is enforced where it matters
 * to users: no public or protected signature of an API or SPI type (supertypes, fields, method and
 * constructor parameters, return types, type arguments) mentions an internal type, so nothing a
 * user or a store author can write may depend on one.
 *
 * <p>Inside, the packages form no import loop. The API reaches the implementation only through the
 * static entry points listed in {@link #ENTRY_POINTS} (as Caffeine's {@code Caffeine.newBuilder()}
 * reaches its internal caches); the implementation uses the API's public types but never calls back
 * into hooks the API installs. Leaf helpers ({@code dev.runs.internal.support}) import nothing from
 * {@code dev.runs}, so anyone may use them.
 */
final class ArchitectureTest {
  /** The exported packages: one published surface whose packages refer to each other. */
  private static final List<String> API = List.of("dev.runs", "dev.runs.payload", "dev.runs.spi");

  private static final String SUPPORT = "dev.runs.internal.support..";

  /**
   * Every permitted dependency of an API type on the implementation (outside the leaf helpers): API
   * top-level class to the implementation classes its static factories and {@code toJson}/{@code
   * fromJson} methods delegate to. Names are strings so that a removed class only leaves a stale
   * entry here. A new entry is a design decision: prefer delegating through an existing one.
   */
  private static final Map<String, Set<String>> ENTRY_POINTS =
      Map.ofEntries(
          // RunStores.open(uri): provider discovery
          entry("dev.runs.RunStores", Set.of("dev.runs.internal.ProviderRegistry")),
          // RunStoreFactory.create(engine, location): the shared append path every store wraps
          entry("dev.runs.spi.RunStoreFactory", Set.of("dev.runs.internal.DefaultRunStore")),
          // Redactor.defaults()
          entry("dev.runs.Redactor", Set.of("dev.runs.internal.DefaultRedactor")),
          // RunOrchestrator.builder()...build()
          entry(
              "dev.runs.RunOrchestrator",
              Set.of(
                  "dev.runs.internal.orchestrator.DefaultRunOrchestrator",
                  "dev.runs.internal.orchestrator.OrchestratorSettings")),
          // JSON forms: the codec behind encode/decode, toJson/fromJson, of(record)/as(type)
          entry("dev.runs.EventCodec", Set.of("dev.runs.internal.codec.EventJson")),
          entry("dev.runs.RunRecord", Set.of("dev.runs.internal.codec.RunRecordJson")),
          entry("dev.runs.Budget", Set.of("dev.runs.internal.codec.BudgetJson")),
          entry("dev.runs.RunSummary", Set.of("dev.runs.internal.codec.RunSummaryJson")),
          entry("dev.runs.Payload", Set.of("dev.runs.internal.codec.RecordJson")),
          entry("dev.runs.StageManifest", Set.of("dev.runs.internal.codec.StageManifestJson")),
          entry("dev.runs.ConfigSnapshot", Set.of("dev.runs.internal.codec.RecordJson")),
          // moving runs: the public facades over the bundle and archive implementations
          entry(
              "dev.runs.RunBundles",
              Set.of(
                  "dev.runs.internal.move.Bundles",
                  "dev.runs.internal.move.BundleForms",
                  "dev.runs.internal.move.BulkTransfers")),
          entry(
              "dev.runs.RunArchiver",
              Set.of("dev.runs.internal.move.Archiving", "dev.runs.internal.move.Selections")));

  private static JavaClasses core;

  @BeforeAll
  static void importCore() {
    core =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.runs");
  }

  @Test
  void publicApiAndSpiSignatures_exposeNoInternalType() {
    classes()
        .that()
        .resideInAnyPackage("dev.runs", "dev.runs.spi", "dev.runs.payload", "dev.runs.memory")
        .and()
        .arePublic()
        .should(exposeNoInternalTypes())
        .check(core);
  }

  @Test
  void core_dependsOnNoStore() {
    noClasses()
        .that()
        .resideInAPackage("dev.runs..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.runs.store..", "org.sqlite..", "org.postgresql..", "java.sql..", "javax.sql..")
        .check(core);
  }

  @Test
  void internal_isNotUsedBySpiImplementersThroughSubclassing() {
    classes()
        .that()
        .resideInAPackage("dev.runs.internal..")
        .and()
        .arePublic()
        .should()
        .haveModifier(JavaModifier.FINAL)
        .orShould()
        .beInterfaces()
        .check(core);
  }

  @Test
  void packages_formNoImportLoop_apartFromTheListedEntryPoints() {
    slices()
        .assignedFrom(LAYERS)
        .should()
        .beFreeOfCycles()
        .ignoreDependency(inApi(), isEntryPointOfApi())
        .check(core);
  }

  @Test
  void api_reachesTheImplementationOnlyThroughTheListedEntryPoints() {
    classes()
        .that()
        .resideInAnyPackage(API.toArray(String[]::new))
        .should(dependOnInternalOnlyThroughEntryPoints())
        .check(core);
  }

  @Test
  void supportPackage_isALeaf() {
    noClasses()
        .that()
        .resideInAPackage(SUPPORT)
        .should()
        .dependOnClassesThat(resideInAPackage("dev.runs..").and(not(resideInAPackage(SUPPORT))))
        .because("the leaf helpers must be usable from every package without an import loop")
        .check(core);
  }

  /** API packages are one slice; every other package of dev.runs is its own. */
  private static final SliceAssignment LAYERS =
      new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass c) {
          String p = c.getPackageName();
          if (API.contains(p)) {
            return SliceIdentifier.of("api");
          }
          return p.startsWith("dev.runs.") ? SliceIdentifier.of(p) : SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
          return "the API (" + String.join(", ", API) + ") and each package of dev.runs.internal";
        }
      };

  private static DescribedPredicate<JavaClass> inApi() {
    return DescribedPredicate.describe("in the API", c -> API.contains(c.getPackageName()));
  }

  /** Matches an implementation class that some API class may use; the origin is checked apart. */
  private static DescribedPredicate<JavaClass> isEntryPointOfApi() {
    return DescribedPredicate.describe(
        "a listed entry point",
        c -> ENTRY_POINTS.values().stream().anyMatch(s -> s.contains(topLevel(c).getName())));
  }

  private static ArchCondition<JavaClass> dependOnInternalOnlyThroughEntryPoints() {
    return new ArchCondition<>("depend on dev.runs.internal only through the listed entry points") {
      @Override
      public void check(JavaClass c, ConditionEvents events) {
        Set<String> allowed = ENTRY_POINTS.getOrDefault(topLevel(c).getName(), Set.of());
        for (Dependency d : c.getDirectDependenciesFromSelf()) {
          JavaClass target = d.getTargetClass();
          String pkg = target.getPackageName();
          if (pkg.startsWith("dev.runs.internal")
              && !pkg.startsWith("dev.runs.internal.support")
              && !allowed.contains(topLevel(target).getName())) {
            events.add(
                SimpleConditionEvent.violated(
                    c,
                    d.getDescription()
                        + " - not a listed entry point of "
                        + topLevel(c).getName()));
          }
        }
      }
    };
  }

  private static JavaClass topLevel(JavaClass c) {
    JavaClass t = c;
    while (t.getEnclosingClass().isPresent()) {
      t = t.getEnclosingClass().get();
    }
    return t;
  }

  private static ArchCondition<JavaClass> exposeNoInternalTypes() {
    return new ArchCondition<>("expose no dev.runs.internal type in public signatures") {
      @Override
      public void check(JavaClass c, ConditionEvents events) {
        Set<JavaClass> involved = new HashSet<>();
        c.getRawSuperclass().ifPresent(involved::add);
        involved.addAll(c.getRawInterfaces());
        for (JavaField f : c.getFields()) {
          if (visible(f.getModifiers())) {
            involved.addAll(f.getType().getAllInvolvedRawTypes());
          }
        }
        for (JavaCodeUnit m : c.getCodeUnits()) {
          if (!visible(m.getModifiers())) {
            continue;
          }
          involved.addAll(m.getReturnType().getAllInvolvedRawTypes());
          m.getParameterTypes().forEach(t -> involved.addAll(t.getAllInvolvedRawTypes()));
        }
        for (JavaClass t : involved) {
          if (t.getPackageName().startsWith("dev.runs.internal")) {
            events.add(
                SimpleConditionEvent.violated(
                    c, c.getName() + " exposes internal type " + t.getName()));
          }
        }
      }
    };
  }

  private static boolean visible(Set<JavaModifier> modifiers) {
    return modifiers.contains(JavaModifier.PUBLIC) || modifiers.contains(JavaModifier.PROTECTED);
  }
}
