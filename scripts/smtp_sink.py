"""A local SMTP sink for `make run`: mailings "go out" here and are written to a file, so the
demo can send without touching the outside world. Usage: smtp_sink.py PORT FILE"""
import asyncore
import smtpd
import sys
import time


class Sink(smtpd.SMTPServer):
    def __init__(self, port, path):
        super().__init__(("127.0.0.1", port), None, decode_data=True)
        self.path = path

    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
        with open(self.path, "a") as out:
            out.write("=== %s from %s to %s\n" % (time.strftime("%Y-%m-%d %H:%M:%S"),
                                                   mailfrom, ", ".join(rcpttos)))
            out.write(data.split("\n\n", 1)[0] + "\n\n")


if __name__ == "__main__":
    Sink(int(sys.argv[1]), sys.argv[2])
    asyncore.loop()
