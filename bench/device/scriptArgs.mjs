// Command-line options of the plain-JavaScript bench scripts that run on the lent GPU machine.

/** `args` with a `take(name, fallback)` that removes `name VALUE` from them and returns VALUE; what is left are the positional arguments. */
export function scriptArgs(argv = process.argv.slice(2)) {
  const args = [...argv];
  const take = (name, fallback) => {
    const i = args.indexOf(name);
    if (i < 0) return fallback;
    const [value] = args.splice(i, 2).slice(1);
    return value;
  };
  return { args, take };
}
