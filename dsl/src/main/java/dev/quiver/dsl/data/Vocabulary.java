package dev.quiver.dsl.data;

import dev.quiver.display.Displayable;
import dev.quiver.display.MimeBundle;
import dev.quiver.runtime.DType;
import dev.quiver.runtime.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Token ids for text: characters or whitespace-separated words, with a padding token (id 0) and an
 * unknown token (id 1) ahead of the tokens seen in the text. Ids are deterministic: characters in
 * code-point order, words by falling count, ties in order of first appearance.
 *
 * <pre>{@code
 * var vocab = Vocabulary.chars(text);                 // <pad>, <unk>, then every character
 * int[] ids = vocab.encode("hello");                  // unseen characters become unkId()
 * String back = vocab.decode(ids);                    // "hello"
 * var words = Vocabulary.words(text, 2);              // words seen at least twice
 * Tensor batch = words.encodeBatch(List.of("a b c", "a b"));   // int32 [2, 3], padded with 0
 * }</pre>
 */
public final class Vocabulary implements Displayable {
  public static final String PAD = "<pad>";
  public static final String UNK = "<unk>";

  private final boolean characters;
  private final List<String> tokens;
  private final Map<String, Integer> ids = new HashMap<>();

  private Vocabulary(boolean characters, List<String> seen) {
    this.characters = characters;
    var all = new ArrayList<String>();
    all.add(PAD);
    all.add(UNK);
    for (String t : seen) {
      if (!t.equals(PAD) && !t.equals(UNK)) {
        all.add(t);
      }
    }
    this.tokens = Collections.unmodifiableList(all);
    for (int i = 0; i < all.size(); i++) {
      ids.put(all.get(i), i);
    }
  }

  /**
   * Every character of {@code text} (by code point, so emoji count as one), in code-point order.
   */
  public static Vocabulary chars(String text) {
    requireText(text, "chars");
    var seen = text.codePoints().distinct().sorted().mapToObj(Character::toString).toList();
    return new Vocabulary(true, seen);
  }

  /** Every whitespace-separated word of {@code text}. */
  public static Vocabulary words(String text) {
    return words(text, 1);
  }

  /**
   * The words of {@code text} seen at least {@code minCount} times, most frequent first; rarer
   * words encode as {@link #unkId()}.
   */
  public static Vocabulary words(String text, int minCount) {
    requireText(text, "words");
    if (minCount < 1) {
      throw new IllegalArgumentException(
          "Vocabulary.words: minCount must be >= 1, got " + minCount);
    }
    var counts = new LinkedHashMap<String, Integer>();
    for (String w : splitWords(text)) {
      counts.merge(w, 1, Integer::sum);
    }
    var order = new ArrayList<>(counts.keySet());
    var position = new HashMap<String, Integer>();
    for (int i = 0; i < order.size(); i++) {
      position.put(order.get(i), i);
    }
    order.removeIf(w -> counts.get(w) < minCount);
    order.sort(
        (a, b) ->
            counts.get(a).equals(counts.get(b))
                ? Integer.compare(position.get(a), position.get(b))
                : Integer.compare(counts.get(b), counts.get(a)));
    return new Vocabulary(false, order);
  }

  /** A word vocabulary of exactly these tokens, after {@code <pad>} and {@code <unk>}. */
  public static Vocabulary ofWords(List<String> tokens) {
    var seen = new HashMap<String, Boolean>();
    for (String t : tokens) {
      if (t == null || t.isEmpty() || t.chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException(
            "Vocabulary.ofWords: a token must be non-empty and free of whitespace, got '"
                + t
                + "'");
      }
      if (seen.put(t, true) != null) {
        throw new IllegalArgumentException("Vocabulary.ofWords: token '" + t + "' given twice");
      }
    }
    return new Vocabulary(false, tokens);
  }

  private static void requireText(String text, String what) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException(
          "Vocabulary." + what + ": needs a non-empty text, got " + (text == null ? "null" : "''"));
    }
  }

  private static List<String> splitWords(String text) {
    var out = new ArrayList<String>();
    for (String w : text.strip().split("\\s+")) {
      if (!w.isEmpty()) {
        out.add(w);
      }
    }
    return out;
  }

  /** Number of ids, the padding and unknown tokens included: the size of an embedding table. */
  public int size() {
    return tokens.size();
  }

  public int padId() {
    return 0;
  }

  public int unkId() {
    return 1;
  }

  /** True for a character vocabulary, false for words. */
  public boolean isCharacters() {
    return characters;
  }

  /** The tokens, index = id. */
  public List<String> tokens() {
    return tokens;
  }

  /** The id of {@code token}, or {@link #unkId()} if it is not in the vocabulary. */
  public int id(String token) {
    return ids.getOrDefault(token, 1);
  }

  /** The token of {@code id}; an id outside 0..size()-1 is an error naming both. */
  public String token(int id) {
    if (id < 0 || id >= tokens.size()) {
      throw new IllegalArgumentException(
          "Vocabulary.token: id " + id + " is outside 0.." + (tokens.size() - 1));
    }
    return tokens.get(id);
  }

  /** The text cut into this vocabulary's tokens: code points, or whitespace-separated words. */
  public List<String> tokenize(String text) {
    if (text == null) {
      throw new IllegalArgumentException("Vocabulary.tokenize: text is null");
    }
    return characters ? text.codePoints().mapToObj(Character::toString).toList() : splitWords(text);
  }

  /** The ids of the text's tokens; unknown tokens become {@link #unkId()}. */
  public int[] encode(String text) {
    var t = tokenize(text);
    int[] out = new int[t.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = id(t.get(i));
    }
    return out;
  }

  /** The texts as one int32 [n, longest] batch, shorter ones padded at the end with padId(). */
  public Tensor encodeBatch(List<String> texts) {
    var encoded = new ArrayList<int[]>();
    for (String t : texts) {
      encoded.add(encode(t));
    }
    return Sequences.pad(encoded, padId());
  }

  /**
   * The text of these ids: characters joined, words joined by one space; padding is left out and
   * unknown ids read {@code <unk>}.
   */
  public String decode(int... idsToDecode) {
    var sb = new StringBuilder();
    for (int id : idsToDecode) {
      if (id == padId()) {
        continue;
      }
      if (!characters && !sb.isEmpty()) {
        sb.append(' ');
      }
      sb.append(token(id));
    }
    return sb.toString();
  }

  /** {@link #decode(int...)} of an int tensor of one sequence ([seq], or [1, seq]). */
  public String decode(Tensor idsToDecode) {
    if (idsToDecode.dim() > 2 || (idsToDecode.dim() == 2 && idsToDecode.size(0) != 1)) {
      throw new IllegalArgumentException(
          "Vocabulary.decode: expects one sequence [seq] or [1, seq], got "
              + idsToDecode.shapeString());
    }
    return decode(idsToDecode.to(DType.INT32).toIntArray());
  }

  @Override
  public MimeBundle toMimeBundle() {
    return MimeBundle.text(toString());
  }

  @Override
  public String toString() {
    var sb = new StringBuilder("Vocabulary(" + (characters ? "characters" : "words") + ", ");
    sb.append(size()).append(" ids: ");
    int shown = Math.min(size(), 24);
    for (int i = 0; i < shown; i++) {
      String t = tokens.get(i);
      sb.append(i == 0 ? "" : " ").append(t.equals("\n") ? "\\n" : t.equals(" ") ? "' '" : t);
    }
    return sb.append(shown < size() ? " ...)" : ")").toString();
  }
}
