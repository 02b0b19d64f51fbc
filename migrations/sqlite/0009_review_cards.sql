-- placeholder: the review branch's migration replaces this file
SELECT 1;
