A='1'
B="open
C='3'
D=4
