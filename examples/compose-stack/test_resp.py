import unittest

from resp import encode


class EncodeTest(unittest.TestCase):
    def test_command_is_an_array_of_bulk_strings(self):
        self.assertEqual(encode("LPUSH", "jobs", "invoice-42"),
                         b"*3\r\n$5\r\nLPUSH\r\n$4\r\njobs\r\n$10\r\ninvoice-42\r\n")

    def test_numbers_are_sent_as_text(self):
        self.assertEqual(encode("BRPOP", "jobs", 5), b"*3\r\n$5\r\nBRPOP\r\n$4\r\njobs\r\n$1\r\n5\r\n")


if __name__ == "__main__":
    unittest.main()
