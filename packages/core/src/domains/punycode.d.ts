/**
 * The npm `punycode` package, loaded by its file: the bare name `punycode` is Node's deprecated
 * built-in, which core must not use (and which warns at run time on newer Nodes).
 */
declare module 'punycode/punycode.js' {
  interface Punycode {
    /** Punycode (RFC 3492) of a string of code points, without the `xn--` prefix. */
    encode(input: string): string;
    /** The code points a Punycode string (without `xn--`) stands for; throws RangeError on junk. */
    decode(input: string): string;
  }
  const punycode: Punycode;
  export default punycode;
}
