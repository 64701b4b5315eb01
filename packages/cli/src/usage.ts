/** Usage text of each command, printed by `--help` and after a usage error. */
export const USAGE: Readonly<Record<string, string>> = {
  logq: `Usage: logq <command> [options]

Commands:
  tail <uri>                   print the records arriving on a transport
  send <uri> [message]         log one record (or every line of stdin) and wait until delivered
  bridge <from-uri> <to-uri>   move records from one transport to another

Run \`logq <command> --help\` for the options of a command.
URIs: tcp:// ipc:// (ZeroMQ), amqp://, redis://, mongodb://, stream+tcp:// stream+unix://, or a plugin's scheme.
The package that handles a scheme must be installed (@logq/zeromq, @logq/amqp, @logq/redis, @logq/mongo,
@logq/process); --require <module> loads a third-party transport.`,
  tail: `Usage: logq tail <uri> [options]

Prints each record as a line (time, level, channel[process], message, the traceback indented);
Ctrl-C prints a table of records per channel and level.

Options:
  --json                 print each record as Logbook's wire dict, one JSON object per line
  --level <name>         only records at this level or above (trace, debug, info, notice, warning, error, critical)
  --channel <glob>       only channels matching the glob (* and ?; several separated by commas)
  --grep <text>          only records whose message (or traceback) contains the text
  --queue <name>         queue (AMQP, MongoDB) or key (Redis) to read
  --multi                ZeroMQ: bind a PULL socket that many handlers connect to
  -o, --option <k=v>     any other subscriber option (value parsed as JSON when it is JSON), repeatable
  --require <module>     load a third-party transport first, repeatable
  -h, --help             this help

Colours on a terminal, never with NO_COLOR set.`,
  send: `Usage: logq send <uri> [message] [options]

Logs one record, or with --stdin one per line read from stdin (a line that is a Logbook record dict
as JSON is sent as that record, any other line as a message), waits until the transport has them,
and prints the counts. Exit code 0 when everything was delivered, 1 otherwise.

Options:
  --level <name>         level of the record(s) (default: info)
  --channel <name>       channel of the record(s) (default: logq)
  --kw <key=value>       a keyword argument (also fills {key} in the message), repeatable
  --stdin                send every line of stdin
  --timeout <seconds>    give up delivering after this long (default: 30)
  --queue <name>         queue (AMQP, MongoDB) or key (Redis) to write
  -o, --option <k=v>     any other handler option, repeatable
  --require <module>     load a third-party transport first, repeatable
  -h, --help             this help`,
  bridge: `Usage: logq bridge <from-uri> <to-uri> [options]

Moves records from one transport to another. A batch is acknowledged on the source only after the
destination has it, so nothing is lost where the source has acknowledgements (Redis streams, AMQP,
MongoDB queues). Ctrl-C finishes the batch in hand and stops.

Options:
  --level, --channel, --grep   forward only matching records (others are acknowledged and counted)
  --queue <name>         source queue (AMQP, MongoDB) or key (Redis)
  --multi                source is ZeroMQ: bind a PULL socket
  -o, --option <k=v>     any other source subscriber option, repeatable
  --to-queue <name>      destination queue or key
  --to-option <k=v>      any other destination handler option, repeatable
  --status-every <s>     seconds between status lines when stderr is not a terminal (default: 10)
  --require <module>     load a third-party transport first, repeatable
  -h, --help             this help`,
};
