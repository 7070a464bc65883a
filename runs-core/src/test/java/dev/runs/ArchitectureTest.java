package dev.runs;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

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
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Architecture rules. "The API does not depend on internal packages" is enforced where it matters
 * to users: no public or protected signature of an API or SPI type (supertypes, fields, method and
 * constructor parameters, return types, type arguments) mentions an internal type, so nothing a user
 * or a store author can write may depend on one. Method bodies of static factories may call into
 * the implementation (as {@link RunStores#open} must).
 */
final class ArchitectureTest {
  private static JavaClasses core;

  @BeforeAll
  static void importCore() {
    core = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.runs");
  }

  @Test
  void publicApiAndSpiSignatures_exposeNoInternalType() {
    classes().that().resideInAnyPackage("dev.runs", "dev.runs.spi", "dev.runs.payload", "dev.runs.memory")
        .and().arePublic()
        .should(exposeNoInternalTypes())
        .check(core);
  }

  @Test
  void core_dependsOnNoStore() {
    noClasses().that().resideInAPackage("dev.runs..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "dev.runs.store..", "org.sqlite..", "org.postgresql..", "java.sql..", "javax.sql..")
        .check(core);
  }

  @Test
  void internal_isNotUsedBySpiImplementersThroughSubclassing() {
    classes().that().resideInAPackage("dev.runs.internal..").and().arePublic()
        .should().haveModifier(JavaModifier.FINAL).orShould().beInterfaces()
        .check(core);
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
            events.add(SimpleConditionEvent.violated(c, c.getName() + " exposes internal type " + t.getName()));
          }
        }
      }
    };
  }

  private static boolean visible(Set<JavaModifier> modifiers) {
    return modifiers.contains(JavaModifier.PUBLIC) || modifiers.contains(JavaModifier.PROTECTED);
  }
}
