"""The help centre (帮助中心): the user guide in docs/ shown inside the app at /help/, in
English and Chinese, searchable, with a "?" link from each main page to its section."""
