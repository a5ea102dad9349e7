// word-extractor ships no types; the part of its API this folder uses.
declare module "word-extractor" {
  class WordExtractor {
    extract(source: string | Buffer): Promise<{ getBody(): string }>;
  }
  export default WordExtractor;
}
