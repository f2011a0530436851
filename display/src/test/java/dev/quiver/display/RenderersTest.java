package dev.quiver.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RenderersTest {

  interface Shape {}

  static class Chart implements Shape {
    @Override
    public String toString() {
      return "Chart";
    }
  }

  static class LineChart extends Chart {}

  record Point(int x, int y) {}

  record Score(double value) implements Displayable {
    @Override
    public MimeBundle toMimeBundle() {
      return MimeBundle.of("score " + value, MimeBundle.TEXT_HTML, "<b>" + value + "</b>");
    }
  }

  @AfterEach
  void unregisterAll() {
    Renderers.unregister(Chart.class);
    Renderers.unregister(Shape.class);
    Renderers.unregister(ArrayList.class);
    Renderers.unregister(Point.class);
  }

  @Test
  void plainValues() {
    assertEquals(MimeBundle.text("null"), Renderers.render(null));
    assertEquals(MimeBundle.text("hello"), Renderers.render("hello"));
    assertEquals(MimeBundle.text("hi"), Renderers.render(new StringBuilder("hi")));
    assertEquals(MimeBundle.text("42"), Renderers.render(42));
    assertEquals(MimeBundle.text("2.5"), Renderers.render(2.5));
    assertEquals(MimeBundle.text("true"), Renderers.render(true));
    assertEquals(MimeBundle.text("x"), Renderers.render('x'));
    assertEquals(MimeBundle.text("Point[x=1, y=2]"), Renderers.render(new Point(1, 2)));
    assertEquals(MimeBundle.text("[1, 2]"), Renderers.render(List.of(1, 2)));
  }

  @Test
  void arraysReadLikeLists() {
    assertEquals("[1, 2, 3]", Renderers.render(new int[] {1, 2, 3}).text());
    assertEquals("[1.5, 2.0]", Renderers.render(new double[] {1.5, 2}).text());
    assertEquals("[true, false]", Renderers.render(new boolean[] {true, false}).text());
    assertEquals("[[1, 2], [3]]", Renderers.render(new int[][] {{1, 2}, {3}}).text());
    assertEquals(
        "[a, null, [b]]", Renderers.render(new Object[] {"a", null, new String[] {"b"}}).text());
    assertEquals("[]", Renderers.render(new long[0]).text());
  }

  @Test
  void displayablesAndBundlesRenderThemselves() {
    var bundle = Renderers.render(new Score(0.5));
    assertEquals("score 0.5", bundle.text());
    assertEquals("<b>0.5</b>", bundle.get(MimeBundle.TEXT_HTML).orElseThrow());
    var own = MimeBundle.text("as is");
    assertSame(own, Renderers.render(own));
    assertEquals(
        "# md", Renderers.render(new Markdown("# md")).get(MimeBundle.TEXT_MARKDOWN).orElseThrow());
  }

  @Test
  void registeredRenderersApplyToSubclassesNearestFirst() {
    Renderers.register(Shape.class, s -> MimeBundle.text("some shape"));
    assertEquals("some shape", Renderers.render(new LineChart()).text());
    Renderers.register(
        Chart.class, c -> MimeBundle.of("chart " + c, MimeBundle.IMAGE_SVG, "<svg/>"));
    var bundle = Renderers.render(new LineChart());
    assertEquals("chart Chart", bundle.text());
    assertTrue(bundle.has(MimeBundle.IMAGE_SVG));
    assertTrue(Renderers.unregister(Chart.class));
    assertFalse(Renderers.unregister(Chart.class));
    assertEquals("some shape", Renderers.render(new LineChart()).text());
  }

  @Test
  void interfacesOfSuperclassesAndOfInterfacesAreFound() {
    Renderers.register(
        java.util.Collection.class, c -> MimeBundle.text("collection of " + c.size()));
    try {
      assertEquals("collection of 2", Renderers.render(new ArrayList<>(List.of(1, 2))).text());
      Renderers.register(ArrayList.class, l -> MimeBundle.text("array list"));
      assertEquals("array list", Renderers.render(new ArrayList<>()).text());
    } finally {
      Renderers.unregister(java.util.Collection.class);
    }
  }

  @Test
  void aDisplayableWinsOverARegisteredRenderer() {
    Renderers.register(Object.class, o -> MimeBundle.text("generic"));
    try {
      assertEquals("score 1.0", Renderers.render(new Score(1)).text());
      assertEquals("generic", Renderers.render(new Point(0, 0)).text());
    } finally {
      Renderers.unregister(Object.class);
    }
  }

  @Test
  void nullBundlesAreReportedWithTheClass() {
    Renderers.register(Point.class, p -> null);
    var e = assertThrows(IllegalStateException.class, () -> Renderers.render(new Point(1, 1)));
    assertEquals(
        "Renderers: the renderer registered for it returned null for a dev.quiver.display.RenderersTest$Point",
        e.getMessage());
    Displayable broken = () -> null;
    assertTrue(
        assertThrows(IllegalStateException.class, () -> Renderers.render(broken))
            .getMessage()
            .startsWith("Renderers: toMimeBundle() returned null for a "));
    assertThrows(
        NullPointerException.class, () -> Renderers.register(null, x -> MimeBundle.text("")));
    assertThrows(NullPointerException.class, () -> Renderers.register(Point.class, null));
  }
}
